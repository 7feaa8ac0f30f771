import { isIP } from 'node:net';

/** proxy-addr's names for address ranges (Fastify's trustProxy understands them). */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * Splits TRUST_PROXY into the proxies whose `X-Forwarded-For` Fastify believes for
 * `request.ip` (sign-in throttling by client address, the session list, the audit trail).
 * Each entry is an address, a CIDR range or one of loopback, linklocal, uniquelocal. A hop count
 * or `true` is refused: either believes any caller that reaches the service directly, and that
 * caller could then pose as any address (and lock out, or dodge, the per-address throttle).
 * Problems name entries by position, never by value.
 */
export function parseTrustProxy(value: string | undefined): { proxies: string[]; problems: string[] } {
  if (value === undefined || value.trim() === '') {
    return { proxies: [], problems: [] };
  }
  const proxies: string[] = [];
  const problems: string[] = [];
  value.split(',').forEach((raw, index) => {
    const entry = raw.trim();
    const [address, prefix, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32));
    if (RANGE_NAMES.has(entry) || (family !== 0 && prefixOk && extra === undefined)) {
      proxies.push(entry);
    } else {
      problems.push(
        `TRUST_PROXY entry ${index + 1}: must be an IP address, a CIDR range (10.0.0.0/8) or loopback, linklocal, uniquelocal`,
      );
    }
  });
  return { proxies: problems.length === 0 ? proxies : [], problems };
}
