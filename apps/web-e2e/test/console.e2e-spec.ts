import { randomUUID } from 'node:crypto';
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

import { findBrowser, howToGetBrowser, testDatabaseTargets } from '@tessera/platform/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';

import { type ConsoleStack, startConsoleStack } from './support/stack';
import {
  atPath,
  containsText,
  eventually,
  hasAttribute,
  hasCount,
  hasText,
  launchChromium,
  UI_TIMEOUT_MS,
  visible,
} from './support/ui';

/** The Chromium or Chrome on this machine (CHROME_PATH first); the suite never downloads a browser. */
const BROWSER = findBrowser();
const ARTIFACTS = path.resolve(__dirname, '../../../dist/test-artifacts/web-e2e');
/** Short, so that a test can watch a token expire (auth allows 10 s and up outside production). */
const ACCESS_TOKEN_TTL_SECONDS = 20;
const PASSWORD = 'correct horse battery staple';

/**
 * One database target is enough here: the console never sees the database, and the API
 * suites cover both. PostgreSQL when CI provides it, else PGlite.
 */
const target = testDatabaseTargets().at(-1)!;

const email = (label: string) => `${label}-${randomUUID()}@web.test`;

describe(`the web console in Chromium (apps on ${target.name})`, () => {
  let stack: ConsoleStack;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    if (!BROWSER.path) {
      throw new Error(`${BROWSER.reason}\n${howToGetBrowser()}`);
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    stack = await startConsoleStack(target, {
      ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TOKEN_TTL_SECONDS),
      // A lockout long enough that its message names a wait well above zero.
      LOGIN_LOCKOUT_BASE_SECONDS: '60',
    });
    browser = await launchChromium(BROWSER.path);
  }, 180_000);

  afterAll(async () => {
    for (const context of contexts) {
      await context.close().catch(() => undefined);
    }
    await browser?.close();
    await stack?.stop();
  }, 60_000);

  /** The session's refresh cookie as the browser holds it for auth's /auth/refresh. */
  async function refreshCookie(context: BrowserContext) {
    return (await context.cookies(`${stack.urls.auth}/auth/refresh`)).find((c) => c.name === 'tessera_refresh');
  }

  /** A fresh browser profile (its own cookies) with a page that records the API requests it makes. */
  async function openConsole(): Promise<{ page: Page; context: BrowserContext; requests: string[] }> {
    const context = await browser.newContext({ baseURL: stack.urls.console, viewport: { width: 1100, height: 800 } });
    contexts.push(context);
    context.setDefaultTimeout(UI_TIMEOUT_MS);
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.origin !== stack.urls.console) {
        requests.push(`${r.method()} ${url.pathname}`);
      }
    });
    await page.goto('/');
    return { page, context, requests };
  }

  /** Follows a link of the main navigation. */
  const nav = (page: Page, name: 'Overview' | 'Profile' | 'Orders' | 'Sessions') =>
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();

  /**
   * Revocations reach orders through NATS KV within milliseconds; waits (bounded) until this
   * token is refused there, so that a browser's next action is certain to meet a revoked token.
   */
  async function refusedByOrders(accessToken: string): Promise<void> {
    await eventually(async () => {
      const res = await fetch(`${stack.urls.orders}/orders`, { headers: { authorization: `Bearer ${accessToken}` } });
      expect(res.status).toBe(401);
    }, 10_000);
  }

  const count = (requests: string[], request: string) => requests.filter((r) => r === request).length;

  async function screenshot(page: Page, name: string): Promise<void> {
    const file = path.join(ARTIFACTS, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    expect(statSync(file).size).toBeGreaterThan(1000);
  }

  async function register(address: string): Promise<void> {
    const res = await fetch(`${stack.urls.auth}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: address, password: PASSWORD, displayName: 'Grace' }),
    });
    expect(res.status).toBe(201);
  }

  /** The console's "Sign in" button: the browser goes to auth's sign-in page (the OpenID Provider's). */
  async function toAuthSignIn(page: Page): Promise<void> {
    await visible(page.getByRole('heading', { name: 'Sign in' }));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.origin === stack.urls.auth);
    await visible(page.getByLabel('Email'));
  }

  /** Fills auth's sign-in page and submits it. */
  async function submitAuthSignIn(page: Page, address: string, password = PASSWORD): Promise<void> {
    await page.getByRole('textbox', { name: 'Email' }).fill(address);
    await page.getByLabel('Password', { exact: true }).fill(password);
    const answered = page.waitForResponse(
      (r) => r.request().method() === 'POST' && new URL(r.url()).pathname.startsWith('/oauth/interaction/'),
    );
    await page.getByRole('button', { name: 'Sign in' }).click();
    await answered;
    await page.waitForLoadState();
  }

  /**
   * Signs in through auth's page and waits for the overview; resolves with the access token the
   * console got for the code (at /oauth/token, as the client tessera-web).
   */
  async function signIn(page: Page, address: string, password = PASSWORD): Promise<string> {
    await toAuthSignIn(page);
    const exchange = page.waitForResponse((r) => r.url().endsWith('/oauth/token') && r.request().method() === 'POST');
    await submitAuthSignIn(page, address, password);
    const body = (await (await exchange).json()) as { access_token: string };
    await visible(page.getByRole('heading', { name: 'Overview' }));
    await hasText(page.getByTestId('user-email'), address);
    return body.access_token;
  }

  /** Auth's logout confirmation, after the console's "Sign out" buttons; then back at the console. */
  async function confirmAuthLogout(page: Page): Promise<void> {
    await page.waitForURL((url) => url.origin === stack.urls.auth);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.origin === stack.urls.console);
  }

  it('signs up, signs in, sets an address, places an order and lists it; a reload keeps the session', async () => {
    const { page, context, requests } = await openConsole();
    const address = email('ada');

    // Signed out: every page leads to the sign-in page.
    await atPath(page, '/sign-in');
    await visible(page.getByRole('heading', { name: 'Sign in' }));
    await screenshot(page, 'sign-in');

    await page.getByRole('link', { name: 'Create one' }).click();
    await atPath(page, '/sign-up');
    await page.getByLabel('Email').fill(address);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Display name').fill('Ada');
    await screenshot(page, 'sign-up');
    await page.getByRole('button', { name: 'Create account' }).click();
    await atPath(page, '/sign-in');
    await hasText(page.getByTestId('notice'), `Account created for ${address}. Sign in with your password.`);

    // Signing in happens on auth's page; back on /callback, while the code is exchanged (the
    // request is held until checked), the console says so.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/oauth/token', async (route) => {
      await held;
      await route.continue();
    });
    await toAuthSignIn(page);
    await screenshot(page, 'auth-sign-in');
    const exchange = page.waitForResponse((r) => r.url().endsWith('/oauth/token'));
    await submitAuthSignIn(page, address);
    await atPath(page, '/callback');
    await visible(page.getByTestId('callback-page'));
    // The code and state are gone from the address bar (and the history) as soon as the page reads them.
    await eventually(() => expect(new URL(page.url()).search).toBe(''));
    await hasText(page.getByTestId('in-flight'), 'Working…');
    release();
    const tokenResponse = await exchange;
    const tokenBody = (await tokenResponse.json()) as Record<string, unknown>;
    // The refresh token never reaches the page: it is only in the HttpOnly cookie.
    expect(tokenBody).not.toHaveProperty('refresh_token');
    const accessToken = String(tokenBody.access_token);
    await page.unroute('**/oauth/token');
    await visible(page.getByRole('heading', { name: 'Overview' }));
    await hasText(page.getByTestId('user-email'), address);
    await containsText(page.getByTestId('overview-orders'), 'No orders yet.');

    // The refresh token is auth's cookie: HttpOnly, SameSite=Strict, on /auth only, set by the
    // console's cross-origin code exchange (localhost:<console> and localhost:<auth> are the same
    // site). Beside it, auth's own sign-in session (single sign-on for other applications):
    // HttpOnly too, signed, and holding no token.
    const cookies = await context.cookies(`${stack.urls.auth}/auth/refresh`);
    expect(cookies.sort((x, y) => x.name.localeCompare(y.name))).toEqual([
      expect.objectContaining({ name: 'tessera_op_session', httpOnly: true, sameSite: 'Lax', path: '/' }),
      expect.objectContaining({ name: 'tessera_op_session.sig', httpOnly: true, sameSite: 'Lax', path: '/' }),
      expect.objectContaining({ name: 'tessera_refresh', httpOnly: true, sameSite: 'Strict', path: '/auth' }),
    ]);

    await nav(page, 'Profile');
    await visible(page.getByRole('heading', { name: 'Profile' }));
    await page.getByLabel('Display name').fill('Ada Lovelace');
    await page.getByLabel('Address line 1').fill('1 Main St');
    await page.getByLabel('City').fill('Berlin');
    await page.getByLabel('Postal code').fill('10115');
    await page.getByLabel('Country').fill('de');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await hasText(page.getByTestId('notice'), 'Profile saved.');
    await screenshot(page, 'profile');

    await nav(page, 'Orders');
    await visible(page.getByRole('heading', { name: 'Orders', exact: true }));
    await visible(page.getByText('No orders yet.'));
    await page.getByLabel('SKU').fill('TILE-1');
    await page.getByLabel('Quantity').fill('3');
    await page.getByLabel('Unit price').fill('2.50');
    await page.getByRole('button', { name: 'Place order' }).click();
    await hasText(page.getByTestId('notice'), 'Order placed: 7.50 in all.');
    const rows = page.getByTestId('order-row');
    await hasCount(rows, 1);
    await containsText(rows.first(), '3 × TILE-1 at 2.50');
    await containsText(rows.first(), '7.50');
    await containsText(rows.first(), 'placed');
    await screenshot(page, 'orders');

    await nav(page, 'Overview');
    await containsText(page.getByTestId('overview-profile'), 'Ada Lovelace');
    await containsText(page.getByTestId('overview-profile'), '10115 Berlin');
    await containsText(page.getByTestId('overview-orders'), '7.50 (placed)');
    await screenshot(page, 'overview');

    await nav(page, 'Sessions');
    await hasCount(page.getByTestId('session-row'), 1);
    await containsText(page.getByTestId('session-row'), 'This browser');
    await screenshot(page, 'sessions');

    // Nothing a script could steal: no token in any storage, the refresh cookie out of reach.
    const storage = await page.evaluate(() => ({
      local: Object.entries(localStorage),
      session: Object.entries(sessionStorage),
      cookie: document.cookie,
    }));
    expect(storage).toEqual({ local: [], session: [], cookie: '' });
    const html = await page.content();
    expect(html).not.toContain(accessToken);

    // A reload forgets the access token; the console signs in again from the cookie.
    const refreshesBefore = count(requests, 'POST /auth/refresh');
    await page.goto('/orders');
    await hasCount(page.getByTestId('order-row'), 1);
    await hasText(page.getByTestId('user-email'), address);
    expect(count(requests, 'POST /auth/refresh')).toBe(refreshesBefore + 1);
  });

  it('after the access token expired, refreshes silently, once, for three requests going out together', async () => {
    const address = email('expiry');
    await register(address);
    const { page, context, requests } = await openConsole();
    const accessToken = await signIn(page, address);
    await nav(page, 'Sessions');
    await hasCount(page.getByTestId('session-row'), 1);
    // A fresh token is used as it is: the one refresh so far is the start-up check, without a cookie.
    expect(count(requests, 'POST /auth/refresh')).toBe(1);
    const cookieBefore = (await refreshCookie(context))?.value;

    // Wait (bounded: the token lives ACCESS_TOKEN_TTL_SECONDS) until it has expired for certain.
    const { exp } = JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString()) as { exp: number };
    expect(exp * 1000 - Date.now()).toBeLessThanOrEqual(ACCESS_TOKEN_TTL_SECONDS * 1000);
    await new Promise((r) => setTimeout(r, Math.max(0, exp * 1000 + 1000 - Date.now())));

    requests.splice(0);
    // The overview asks profile, orders and auth at once.
    await nav(page, 'Overview');
    await containsText(page.getByTestId('overview-profile'), 'Grace');
    await containsText(page.getByTestId('overview-orders'), 'No orders yet.');
    await containsText(page.getByTestId('overview-sessions'), '1 active session');
    await page.waitForLoadState('networkidle');
    expect(requests.sort()).toEqual(['GET /auth/sessions', 'GET /orders', 'GET /profile/me', 'POST /auth/refresh']);
    await atPath(page, '/');
    // The refresh rotated the cookie.
    const cookieAfter = (await refreshCookie(context))?.value;
    expect(cookieAfter).toBeDefined();
    expect(cookieAfter).not.toBe(cookieBefore);
  });

  it("ends another browser's session from the sessions page; that browser's next action signs it out", async () => {
    const address = email('end-one');
    await register(address);
    const a = await openConsole();
    const c = await openConsole();
    await signIn(a.page, address);
    const tokenOfC = await signIn(c.page, address);

    await nav(a.page, 'Sessions');
    const rows = a.page.getByTestId('session-row');
    await hasCount(rows, 2);
    await a.page
      .locator('[data-testid="session-row"][data-current="false"]')
      .getByRole('button', { name: 'End session' })
      .click();
    await hasText(a.page.getByTestId('notice'), 'Session ended.');
    await hasCount(rows, 1);
    await containsText(rows, 'This browser');

    await refusedByOrders(tokenOfC);
    await nav(c.page, 'Orders');
    await atPath(c.page, '/sign-in');
    await hasText(c.page.getByTestId('notice'), 'Your session has ended (signed out or expired). Sign in again.');
    // A is still signed in.
    await nav(a.page, 'Orders');
    await visible(a.page.getByRole('heading', { name: 'Orders', exact: true }));
  });

  it('signs out here and at auth: the next sign-in asks for the password again', async () => {
    const address = email('sign-out');
    await register(address);
    const { page, context } = await openConsole();
    await signIn(page, address);
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    // Auth asks to confirm ending its own sign-in, then sends the browser back to the console.
    await confirmAuthLogout(page);
    await atPath(page, '/sign-in');
    await hasText(page.getByTestId('notice'), 'You have signed out.');
    expect(await refreshCookie(context)).toBeUndefined();
    expect((await context.cookies(stack.urls.auth)).map((c) => c.name)).not.toContain('tessera_op_session');
    // No single sign-on left behind: auth shows its sign-in page, not a code.
    await toAuthSignIn(page);
    await visible(page.getByLabel('Password', { exact: true }));
  });

  it('signing out everywhere in one browser sends another, signed in as the same user, to the sign-in page', async () => {
    const address = email('everywhere');
    await register(address);
    const a = await openConsole();
    const b = await openConsole();
    await signIn(a.page, address);
    const tokenOfB = await signIn(b.page, address);
    await nav(b.page, 'Profile');
    await visible(b.page.getByRole('heading', { name: 'Profile' }));

    await a.page.getByRole('button', { name: 'Sign out everywhere' }).click();
    // Signing out everywhere has already ended auth's own sign-in too: its logout page has
    // nothing to ask and sends the browser straight back to the console.
    await atPath(a.page, '/sign-in');
    await hasText(a.page.getByTestId('notice'), 'You have signed out on every device.');
    // The session's cookie is gone; the device cookie stays, as it names the browser, not a session.
    expect(await refreshCookie(a.context)).toBeUndefined();

    await refusedByOrders(tokenOfB);

    // B's next action: its token is refused, its refresh too, and it lands on the sign-in page.
    await nav(b.page, 'Orders');
    await atPath(b.page, '/sign-in');
    await hasText(b.page.getByTestId('notice'), 'Your session has ended (signed out or expired). Sign in again.');
    await visible(b.page.getByRole('heading', { name: 'Sign in' }));
    // And a reload does not bring the session back.
    await b.page.reload();
    await visible(b.page.getByRole('heading', { name: 'Sign in' }));
    await hasCount(b.page.getByTestId('user-email'), 0);
  });

  it('explains a wrong password, a lockout, a taken email and invalid fields', async () => {
    const address = email('mistakes');
    await register(address);
    const { page } = await openConsole();

    // Auth's sign-in page says what went wrong.
    await toAuthSignIn(page);
    await submitAuthSignIn(page, address, 'not the password at all');
    await hasText(page.getByRole('alert'), 'The email or password is not right.');

    // Locked out after 5 failures (LOGIN_ACCOUNT_MAX_FAILURES).
    for (let failures = 1; failures <= 5; failures++) {
      await submitAuthSignIn(page, address, 'not the password at all');
      await visible(page.getByRole('alert'));
    }
    await hasText(page.getByRole('alert'), 'Too many failed sign-in attempts. Try again later.');

    await page.goto('/sign-in');
    await page.getByRole('link', { name: 'Create one' }).click();
    await page.getByLabel('Email').fill(address);
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await hasText(page.getByTestId('field-error-password'), 'password must be 12 to 128 characters long');
    await hasAttribute(page.getByLabel('Password'), 'aria-invalid', 'true');

    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await hasText(
      page.getByTestId('form-error'),
      'An account with this email address already exists. Sign in instead.',
    );

    // A signed-in user's validation error, filed under the field it names.
    const other = email('fields');
    await register(other);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await signIn(page, other);
    await nav(page, 'Profile');
    await page.getByLabel('Address line 1').fill('1 Main St');
    await page.getByLabel('City').fill('Paris');
    await page.getByLabel('Postal code').fill('75001');
    await page.getByLabel('Country').fill('France');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await containsText(page.getByTestId('form-error'), 'Some fields need attention.');
    await hasText(
      page.getByTestId('field-error-shippingAddress.country'),
      'shippingAddress.country must be an ISO 3166-1 alpha-2 code such as "DE"',
    );

    // Ordering without an address says what to do first.
    await nav(page, 'Orders');
    await page.getByLabel('SKU').fill('TILE-2');
    await page.getByLabel('Unit price').fill('1');
    await page.getByRole('button', { name: 'Place order' }).click();
    await containsText(
      page.getByTestId('form-error'),
      'Set a shipping address on your profile before placing an order.',
    );
  });
});
