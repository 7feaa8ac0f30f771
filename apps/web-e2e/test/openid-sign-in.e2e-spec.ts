import { randomUUID } from 'node:crypto';

import { findBrowser, howToGetBrowser, testDatabaseTargets } from '@tessera/platform/testing';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';

import { type OpenIdProviderUnderTest, startOpenIdProvider } from './support/openid-provider';
import { RelyingParty } from './support/relying-party';
import { atPath, containsText, hasText, launchChromium, UI_TIMEOUT_MS, visible } from './support/ui';

/** The Chromium or Chrome on this machine (CHROME_PATH first); the suite never downloads a browser. */
const BROWSER = findBrowser();
const PASSWORD = 'correct horse battery staple';

/** The provider's pages are the same on either database: the last target (PostgreSQL when CI has it). */
const target = testDatabaseTargets().at(-1)!;

const email = (label: string) => `${label}-${randomUUID()}@oidc-web.test`;

/**
 * auth as the OpenID Provider of applications on other origins, in a real browser: its sign-in,
 * consent and logout pages in Chromium, with three relying parties of their own (openid-client,
 * server side) on other ports and another site (localhost, where auth is 127.0.0.1).
 */
describe(`signing in to other applications through auth in Chromium (auth on ${target.name})`, () => {
  let provider: OpenIdProviderUnderTest;
  let browser: Browser;
  /** First-party, confidential: the retirement site of the seeds' example. */
  const retirement = new RelyingParty('retirement');
  /** First-party, public (PKCE only): the bank. */
  const bank = new RelyingParty('bank');
  /** Third-party: asks for consent. */
  const partner = new RelyingParty('partner');
  const contexts: BrowserContext[] = [];
  /** Uncaught exceptions and console errors of every page a test opened. */
  let pageErrors: string[] = [];
  /** Console errors a test expects: Chromium reports a document answered with a 4xx as one. */
  let expectedErrors: RegExp[] = [];

  beforeAll(async () => {
    if (!BROWSER.path) {
      throw new Error(`${BROWSER.reason}\n${howToGetBrowser()}`);
    }
    provider = await startOpenIdProvider(target);
    await Promise.all([retirement.listen(), bank.listen(), partner.listen()]);
    const register = (rp: RelyingParty, extra: { first_party: boolean; token_endpoint_auth_method?: 'none' }) =>
      provider.register({
        client_name: rp === partner ? 'Partner shop' : rp === bank ? 'Bank' : 'Retirement site',
        redirect_uris: [rp.redirectUri],
        post_logout_redirect_uris: [rp.postLogoutRedirectUri],
        grant_types: ['authorization_code'],
        scope: 'openid email profile',
        ...extra,
      });
    await retirement.use(provider.issuer, await register(retirement, { first_party: true }));
    await bank.use(provider.issuer, await register(bank, { first_party: true, token_endpoint_auth_method: 'none' }));
    await partner.use(provider.issuer, await register(partner, { first_party: false }));
    browser = await launchChromium(BROWSER.path);
  }, 180_000);

  afterAll(async () => {
    for (const context of contexts) {
      await context.close().catch(() => undefined);
    }
    await browser?.close();
    await Promise.all([retirement, bank, partner].map((rp) => rp.close().catch(() => undefined)));
    await provider?.stop();
  }, 60_000);

  beforeEach(() => {
    pageErrors = [];
    expectedErrors = [];
  });

  afterEach(() => {
    // Every page of the flow works without a script error or a refused resource (a CSP
    // violation is a console error too).
    expect(pageErrors.filter((error) => !expectedErrors.some((expected) => expected.test(error)))).toEqual([]);
  });

  /** The page at `path` is expected to answer `status` (a refused password, an error sent back). */
  function expectDocumentStatus(origin: string, path: RegExp, status: number): void {
    expectedErrors.push(
      new RegExp(
        `^${origin.replace(/[.]/g, '\\.')}${path.source}: Failed to load resource: the server responded with a status of ${status} `,
      ),
    );
  }

  /** A fresh browser profile: its own cookies, so no sign-in at auth yet. */
  async function newBrowser(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    contexts.push(context);
    context.setDefaultTimeout(UI_TIMEOUT_MS);
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') {
        pageErrors.push(`${message.location().url || page.url()}: ${message.text()}`);
      }
    });
    return page;
  }

  const onAuth = (page: Page) => expect(new URL(page.url()).origin).toBe(provider.issuer);

  /** Asserts auth's sign-in page by what a user sees: the two labelled fields and one button. */
  async function isSignInPage(page: Page): Promise<void> {
    await visible(page.getByRole('textbox', { name: 'Email' }));
    await visible(page.getByLabel('Password', { exact: true }));
    expect(await page.getByRole('button').count()).toBe(1);
    await visible(page.getByRole('button', { name: 'Sign in' }));
    onAuth(page);
  }

  async function signIn(page: Page, address: string, password = PASSWORD): Promise<void> {
    await page.getByRole('textbox', { name: 'Email' }).fill(address);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** Opens the relying party's /login; answers the response of the page the browser lands on. */
  async function startLogin(page: Page, rp: RelyingParty, query = ''): Promise<Response> {
    const response = await page.goto(`${rp.origin}/login${query}`);
    expect(response).not.toBeNull();
    return response!;
  }

  async function signedInAt(page: Page, rp: RelyingParty, address: string): Promise<void> {
    await atPath(page, '/callback');
    expect(new URL(page.url()).origin).toBe(rp.origin);
    await hasText(page.getByRole('heading', { level: 1 }), `Signed in to ${rp.name}`);
    await hasText(page.locator('output'), address);
  }

  it('signs in at one application and is signed in at another on a different origin without a password', async () => {
    const user = email('sso');
    await provider.signUp(user, PASSWORD);
    const page = await newBrowser();

    const landing = await startLogin(page, retirement);
    await isSignInPage(page);
    await containsText(page.getByRole('heading', { level: 1 }), 'Retirement site');
    // The page runs no script at all: nothing inline is allowed, and nothing else either.
    const csp = landing.headers()['content-security-policy'];
    expect(csp).toBeDefined();
    expect(csp).not.toContain("'unsafe-inline'");
    expect(csp).not.toContain("'unsafe-eval'");
    expect(csp.split(';').map((d) => d.trim())).toContain("default-src 'none'");
    expect(csp).not.toMatch(/script-src/);

    await signIn(page, user);
    await signedInAt(page, retirement, user);

    // The bank, another origin: auth's session cookie signs the browser in there without a form.
    const seen: string[] = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) {
        seen.push(new URL(frame.url()).pathname);
      }
    });
    await startLogin(page, bank);
    await signedInAt(page, bank, user);
    expect(seen.filter((path) => path.startsWith('/oauth/interaction/'))).toEqual([]);
  });

  it('shows a wrong password on the sign-in page, and signs in with the right one after it', async () => {
    const user = email('wrong');
    await provider.signUp(user, PASSWORD);
    const page = await newBrowser();
    await startLogin(page, retirement);
    await isSignInPage(page);

    expectDocumentStatus(provider.issuer, /\/oauth\/interaction\/[\w-]+\/login/, 401);
    await signIn(page, user, 'not the password at all');
    await hasText(page.getByRole('alert'), 'The email or password is not right.');
    await isSignInPage(page);
    expect(await page.getByRole('textbox', { name: 'Email' }).inputValue()).toBe(user);

    await signIn(page, user);
    await signedInAt(page, retirement, user);
  });

  it('asks for consent for a third-party application, naming it; Deny sends access_denied back, Allow signs in', async () => {
    const user = email('consent');
    await provider.signUp(user, PASSWORD);
    const page = await newBrowser();
    await startLogin(page, partner);
    await isSignInPage(page);
    await signIn(page, user);

    await hasText(page.getByRole('heading', { level: 1 }), 'Partner shop wants to access your Tessera account');
    onAuth(page);
    await visible(page.getByRole('button', { name: 'Allow' }));
    await visible(page.getByRole('button', { name: 'Deny' }));
    await containsText(page.getByRole('list'), 'See your email address');
    expectDocumentStatus(partner.origin, /\/callback\?\S+/, 401);
    await page.getByRole('button', { name: 'Deny' }).click();

    await atPath(page, '/callback');
    expect(new URL(page.url()).origin).toBe(partner.origin);
    expect(new URL(page.url()).searchParams.get('error')).toBe('access_denied');
    await hasText(page.getByRole('heading', { level: 1 }), 'Sign-in failed');
    await hasText(page.getByRole('alert'), 'access_denied');

    // A refusal is not remembered: the next sign-in asks again, still without a password.
    await startLogin(page, partner);
    await visible(page.getByRole('button', { name: 'Allow' }));
    await page.getByRole('button', { name: 'Allow' }).click();
    await signedInAt(page, partner, user);
  });

  it('signing out of one application ends the sign-in at auth: the other application asks for the password again', async () => {
    const user = email('logout');
    await provider.signUp(user, PASSWORD);
    const page = await newBrowser();
    await startLogin(page, retirement);
    await signIn(page, user);
    await signedInAt(page, retirement, user);
    await startLogin(page, bank);
    await signedInAt(page, bank, user);

    await page.goto(`${retirement.origin}/logout`);
    await atPath(page, '/oauth/logout');
    onAuth(page);
    await containsText(page.getByRole('heading', { level: 1 }), 'Sign out of Retirement site');
    await page.getByRole('button', { name: 'Sign out' }).click();

    await atPath(page, '/signed-out');
    expect(new URL(page.url()).origin).toBe(retirement.origin);
    await hasText(page.getByRole('heading', { level: 1 }), 'Signed out of retirement');

    await startLogin(page, bank);
    await isSignInPage(page);
    await signIn(page, user);
    await signedInAt(page, bank, user);
  });

  it('prompt=login asks for the password again while the sign-in at auth is still on', async () => {
    const user = email('prompt');
    await provider.signUp(user, PASSWORD);
    const page = await newBrowser();
    await startLogin(page, retirement);
    await signIn(page, user);
    await signedInAt(page, retirement, user);

    await startLogin(page, bank, '?prompt=login');
    await isSignInPage(page);
    await containsText(page.getByRole('heading', { level: 1 }), 'Bank');
    await signIn(page, user);
    await signedInAt(page, bank, user);
  });
});
