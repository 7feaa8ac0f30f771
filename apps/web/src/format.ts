import type { ShippingAddress } from '@tessera/client';

/** Integer cents as a decimal amount; the API has no currency, so none is shown. */
export function money(cents: number): string {
  return (cents / 100).toFixed(2);
}

export function dateTime(iso: string): string {
  return new Date(iso).toLocaleString();
}

export function addressLines(address: ShippingAddress): string[] {
  return [address.line1, address.line2, `${address.postalCode} ${address.city}`, address.country].filter(
    (line): line is string => Boolean(line),
  );
}

/** "12.50" or "12,5" as 1250 cents; undefined when it is not an amount. */
export function parseCents(text: string): number | undefined {
  const normalized = text.trim().replace(',', '.');
  if (!/^\d+(\.\d{1,2})?$/.test(normalized)) {
    return undefined;
  }
  return Math.round(Number(normalized) * 100);
}
