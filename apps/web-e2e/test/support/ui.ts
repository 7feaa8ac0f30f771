import { type Browser, chromium, type Locator, type Page } from 'playwright-core';

/** How long a browser-side outcome may take to show on a loaded machine. */
export const UI_TIMEOUT_MS = 15_000;

/**
 * Retries a check (jest `expect`s inside) until it passes or the time is up, then fails with
 * the last assertion's own message. playwright-core has no `expect` of its own.
 */
export async function eventually(check: () => Promise<void> | void, timeoutMs = UI_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (e) {
      if (Date.now() >= deadline) {
        throw e;
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The element's rendered text, or null while there is none (never waits itself). */
async function textOf(locator: Locator): Promise<string | null> {
  return (await locator.count()) > 0 ? (await locator.first().innerText({ timeout: 1000 })).trim() : null;
}

export async function visible(locator: Locator): Promise<void> {
  await locator.first().waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
}

export async function hasText(locator: Locator, expected: string | RegExp): Promise<void> {
  await eventually(async () => {
    const text = await textOf(locator);
    if (typeof expected === 'string') {
      expect(text).toBe(expected);
    } else {
      expect(text).toMatch(expected);
    }
  });
}

export async function containsText(locator: Locator, expected: string): Promise<void> {
  await eventually(async () => expect(await textOf(locator)).toContain(expected));
}

export async function hasCount(locator: Locator, expected: number): Promise<void> {
  await eventually(async () => expect(await locator.count()).toBe(expected));
}

export async function hasAttribute(locator: Locator, name: string, expected: string): Promise<void> {
  await eventually(async () => expect(await locator.first().getAttribute(name, { timeout: 1000 })).toBe(expected));
}

export async function hasValue(locator: Locator, expected: string): Promise<void> {
  await eventually(async () => expect(await locator.first().inputValue({ timeout: 1000 })).toBe(expected));
}

export async function isDisabled(locator: Locator): Promise<void> {
  await eventually(async () => expect(await locator.first().isDisabled({ timeout: 1000 })).toBe(true));
}

export async function isEnabled(locator: Locator): Promise<void> {
  await eventually(async () => expect(await locator.first().isEnabled({ timeout: 1000 })).toBe(true));
}

export async function atPath(page: Page, pathname: string): Promise<void> {
  await eventually(() => expect(new URL(page.url()).pathname).toBe(pathname));
}

/** Debian's Chromium as every browser spec runs it: headless, no sandbox, nothing phoning home. */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}
