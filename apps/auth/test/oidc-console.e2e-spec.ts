import { createHash, randomBytes } from 'node:crypto';

import { CONSOLE_CLIENT_ID } from '@tessera/contracts';
import { testDatabaseTargets } from '@tessera/platform/testing';
import { decodeJwt } from 'jose';

import { OAuthClientsService } from '../src/clients/oauth-clients.service';
import type { AuthAppFixture } from './auth-app.fixture';
import { startAuthApp, TEST_ISSUER } from './auth-app.fixture';
import { TestBrowser } from './oidc-browser';

const password = 'correct horse battery staple';
/** The console, as PUBLIC_WEB_URL names it (and CORS_ORIGINS lists it). */
const WEB = 'http://localhost:3000';
const CALLBACK = `${WEB}/callback`;
/** Listed in CORS_ORIGINS too, but no redirect URI of the console's is on it. */
const OTHER_LISTED = 'http://localhost:4000';
const UNLISTED = 'https://evil.example';
const CONSOLE_SCOPE = 'openid profile email orders:read orders:write profile:read profile:write';
const SERVICE_SCOPES = ['orders:read', 'orders:write', 'profile:read', 'profile:write'];

const base64url = (bytes: Buffer) => bytes.toString('base64url');

// The web console signs in with the code flow and PKCE as the public client tessera-web, and
// keeps its refresh token in the HttpOnly cookie a password sign-in sets, out of its scripts' reach.
describe.each(testDatabaseTargets())('the console signs in through the OpenID Provider on $name', (target) => {
  let auth: AuthAppFixture;
  let users = 0;

  beforeAll(async () => {
    auth = await startAuthApp(target, { env: { PUBLIC_WEB_URL: WEB, CORS_ORIGINS: `${WEB},${OTHER_LISTED}` } });
  });

  afterAll(async () => {
    await auth?.close();
  });

  async function newUser(): Promise<string> {
    const email = `console-${++users}@example.com`;
    const res = await auth.call('POST', '/auth/register', { body: { email, password } });
    expect(res.status).toBe(201);
    return email;
  }

  /** Signs in on auth's page as the console would send the browser there; answers the code and the PKCE verifier. */
  async function authorize(email: string, browser = new TestBrowser(auth.base)) {
    const verifier = base64url(randomBytes(32));
    const state = base64url(randomBytes(16));
    const nonce = base64url(randomBytes(16));
    const url = new URL('/oauth/authorize', TEST_ISSUER);
    url.search = new URLSearchParams({
      client_id: CONSOLE_CLIENT_ID,
      redirect_uri: CALLBACK,
      response_type: 'code',
      scope: CONSOLE_SCOPE,
      code_challenge: base64url(createHash('sha256').update(verifier).digest()),
      code_challenge_method: 'S256',
      state,
      nonce,
    }).toString();
    const page = await browser.navigate(url.href);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<label for="email">Email</label>');
    const back = await browser.navigate('', await browser.signIn(page, email, password));
    expect(back.status).toBe(303);
    const location = new URL(back.location!);
    expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
    expect(location.searchParams.get('state')).toBe(state);
    return { code: location.searchParams.get('code')!, verifier, nonce, browser };
  }

  /** The console's fetch to the token endpoint: form-encoded, from its origin. */
  function exchange(code: string, verifier: string, origin: string | undefined) {
    return auth.call('POST', '/oauth/token', {
      contentType: 'application/x-www-form-urlencoded',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: CALLBACK,
        client_id: CONSOLE_CLIENT_ID,
        code_verifier: verifier,
      }).toString(),
      headers: origin ? { origin } : {},
    });
  }

  function refreshCookie(headers: Headers): string | undefined {
    return headers.getSetCookie().find((line) => line.startsWith('tessera_refresh='));
  }

  /** The cookie's attributes, without its value and lifetime (which differ per session). */
  function attributes(line: string): string[] {
    return line
      .split(';')
      .slice(1)
      .map((part) => part.trim())
      .filter((part) => !/^(max-age|expires)=/i.test(part))
      .sort();
  }

  it('exchanges the code for tokens in the body and the refresh token in the HttpOnly cookie only', async () => {
    const email = await newUser();
    const { code, verifier, nonce } = await authorize(email);
    const res = await exchange(code, verifier, WEB);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String) });
    expect(res.body.id_token).toEqual(expect.any(String));
    expect(res.body).not.toHaveProperty('refresh_token');
    expect(res.text).not.toMatch(/refresh/i);
    expect(res.headers.get('cache-control')).toContain('no-store');
    // A credentialed fetch from the console may read the answer.
    expect(res.headers.get('access-control-allow-origin')).toBe(WEB);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');

    const access = decodeJwt(String(res.body.access_token));
    expect(access.client_id).toBe(CONSOLE_CLIENT_ID);
    expect(String(access.scope).split(' ')).toEqual(expect.arrayContaining(SERVICE_SCOPES));
    expect(decodeJwt(String(res.body.id_token))).toMatchObject({ aud: CONSOLE_CLIENT_ID, nonce });

    const cookie = refreshCookie(res.headers);
    expect(cookie).toBeDefined();
    // The very cookie a password sign-in sets: HttpOnly, SameSite=Strict, Path=/auth.
    const login = await auth.call('POST', '/auth/login', { body: { email, password } });
    expect(login.status).toBe(200);
    expect(attributes(cookie!)).toEqual(attributes(refreshCookie(login.headers)!));
    expect(attributes(cookie!)).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/auth']));
  });

  it('refreshes with the cookie at POST /auth/refresh: rotated, with the services the console uses', async () => {
    const { code, verifier } = await authorize(await newUser());
    const first = await exchange(code, verifier, WEB);
    const cookie = refreshCookie(first.headers)!.split(';')[0];
    const refreshed = await auth.call('POST', '/auth/refresh', { body: {}, cookie, headers: { origin: WEB } });
    expect(refreshed.status).toBe(200);
    const access = decodeJwt(String(refreshed.body.access_token));
    expect(access.client_id).toBe(CONSOLE_CLIENT_ID);
    expect(String(access.scope).split(' ')).toEqual(expect.arrayContaining(SERVICE_SCOPES));
    const rotated = refreshCookie(refreshed.headers)!.split(';')[0];
    expect(rotated).not.toBe(cookie);
    const me = await auth.call('GET', '/auth/me', { token: String(refreshed.body.access_token) });
    expect(me.status).toBe(200);
    // The first cookie was rotated away: it refreshes no more, and the rotated one does.
    const stale = await auth.call('POST', '/auth/refresh', { body: {}, cookie, headers: { origin: WEB } });
    expect(stale.status).toBe(401);
    const again = await auth.call('POST', '/auth/refresh', { body: {}, cookie: rotated, headers: { origin: WEB } });
    expect(again.status).toBe(200);
  });

  it.each([
    ['an origin CORS_ORIGINS lists that is not the console', OTHER_LISTED],
    ['an origin nobody listed', UNLISTED],
  ])(
    'refuses the console client from %s (clientBasedCORS), with no CORS header and no cookie',
    async (_name, origin) => {
      const { code, verifier } = await authorize(await newUser());
      const refused = await exchange(code, verifier, origin);
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ error: 'invalid_request' });
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
      expect(refused.headers.get('access-control-allow-credentials')).toBeNull();
      expect(refreshCookie(refused.headers)).toBeUndefined();
      // The code was not spent: the console itself still exchanges it.
      expect((await exchange(code, verifier, WEB)).status).toBe(200);
    },
  );

  it('gives no credentials header to another public client calling from its own origin', async () => {
    const registered = await auth.app.get(OAuthClientsService, { strict: false }).register(
      {
        client_name: 'Other SPA',
        redirect_uris: [`${OTHER_LISTED}/cb`],
        token_endpoint_auth_method: 'none',
        scope: 'openid',
        first_party: true,
      },
      { allowLoopbackHttp: true },
    );
    const browser = new TestBrowser(auth.base);
    const email = await newUser();
    const verifier = base64url(randomBytes(32));
    const url = new URL('/oauth/authorize', TEST_ISSUER);
    url.search = new URLSearchParams({
      client_id: registered.client_id,
      redirect_uri: `${OTHER_LISTED}/cb`,
      response_type: 'code',
      scope: 'openid',
      code_challenge: base64url(createHash('sha256').update(verifier).digest()),
      code_challenge_method: 'S256',
      state: 's',
    }).toString();
    const page = await browser.navigate(url.href);
    const back = await browser.navigate('', await browser.signIn(page, email, password));
    expect(back.status).toBe(303);
    const code = new URL(back.location!).searchParams.get('code')!;
    const res = await auth.call('POST', '/oauth/token', {
      contentType: 'application/x-www-form-urlencoded',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: `${OTHER_LISTED}/cb`,
        client_id: registered.client_id,
        code_verifier: verifier,
      }).toString(),
      headers: { origin: OTHER_LISTED },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(OTHER_LISTED);
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(refreshCookie(res.headers)).toBeUndefined();
  });

  it('signs out through /oauth/logout back to the console, ending the session the cookie refreshes', async () => {
    const { code, verifier, browser } = await authorize(await newUser());
    const tokens = await exchange(code, verifier, WEB);
    const cookie = refreshCookie(tokens.headers)!.split(';')[0];
    const logout = new URL('/oauth/logout', TEST_ISSUER);
    logout.search = new URLSearchParams({
      id_token_hint: String(tokens.body.id_token),
      post_logout_redirect_uri: `${WEB}/`,
    }).toString();
    const confirm = await browser.navigate(logout.href);
    expect(confirm.status).toBe(200);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.text)![1];
    const done = await browser.request('POST', '/oauth/logout/confirm', { xsrf, logout: 'yes' });
    expect(done.location).toBe(`${WEB}/`);
    const refused = await auth.call('POST', '/auth/refresh', { body: {}, cookie, headers: { origin: WEB } });
    expect(refused.status).toBe(401);
  });

  it('sends a browser whose sign-in already ended back to the console: the self-submitting logout page may run its script', async () => {
    const { code, verifier } = await authorize(await newUser());
    const tokens = await exchange(code, verifier, WEB);
    const logout = new URL('/oauth/logout', TEST_ISSUER);
    logout.search = new URLSearchParams({
      id_token_hint: String(tokens.body.id_token),
      post_logout_redirect_uri: `${WEB}/`,
      state: 'signed-out',
    }).toString();
    // Another browser, with no sign-in at auth: nothing to confirm, the page submits itself.
    const browser = new TestBrowser(auth.base);
    const page = await browser.navigate(logout.href);
    expect(page.status).toBe(200);
    const script = /<script>([\s\S]*?)<\/script>/.exec(page.text)?.[1];
    expect(script).toContain('submit()');
    const hash = createHash('sha256').update(script!).digest('base64');
    expect(page.headers.get('content-security-policy')).toContain(`script-src 'sha256-${hash}'`);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    // The submit is redirected to the console: form-action allows it (Chromium checks redirects).
    expect(page.headers.get('content-security-policy')).toContain(`form-action 'self' ${WEB}`);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page.text)![1];
    const done = await browser.request('POST', '/oauth/logout/confirm', { xsrf, logout: 'yes' });
    expect(done.location).toBe(`${WEB}/?state=signed-out`);
  });
});
