import { testDatabaseTargets } from '@tessera/platform/testing';

import type { AuthAppFixture, AuthResponse as Response } from './auth-app.fixture';
import { startAuthApp } from './auth-app.fixture';

const password = 'correct horse battery staple';
const CONSOLE = 'https://console.example.test';

interface Pair {
  access: string;
  refresh: string;
}

/**
 * Login CSRF and cross-site use of the refresh cookie: bodies are JSON outside /oauth/*, and the
 * routes that read or clear the cookie refuse other sites (SameOriginGuard).
 */
describe.each(testDatabaseTargets())('auth against cross-site requests on $name', (target) => {
  let auth: AuthAppFixture;

  beforeAll(async () => {
    auth = await startAuthApp(target, { env: { CORS_ORIGINS: CONSOLE } });
  });

  afterAll(async () => {
    await auth?.close();
  });

  const call: AuthAppFixture['call'] = (method, path, options) => auth.call(method, path, options);

  let users = 0;
  async function session(): Promise<Pair> {
    const email = `cross${++users}@example.com`;
    expect((await call('POST', '/auth/register', { body: { email, password } })).status).toBe(201);
    const res = await call('POST', '/auth/login', { body: { email, password } });
    expect(res.status).toBe(200);
    return { access: res.body.access_token as string, refresh: res.body.refresh_token as string };
  }

  const setsCookie = (res: Response) => res.headers.getSetCookie().some((c) => c.startsWith('tessera_refresh='));

  function expectProblem(res: Response, status: number, code: string, ...secrets: string[]): void {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status, code });
    expect(setsCookie(res)).toBe(false);
    for (const secret of secrets) {
      expect(res.text).not.toContain(secret);
    }
  }

  /** The token still rotates: nothing before spent it. */
  async function expectUnspent(refresh: string): Promise<void> {
    const res = await call('POST', '/auth/refresh', { body: { refresh_token: refresh } });
    expect(res.status).toBe(200);
  }

  it("refuses an HTML form posting an attacker's refresh token to /auth/refresh: 415, no cookie", async () => {
    const attacker = await session();
    const form = await call('POST', '/auth/refresh', {
      body: new URLSearchParams({ refresh_token: attacker.refresh }).toString(),
      contentType: 'application/x-www-form-urlencoded',
      headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    });
    expectProblem(form, 415, 'unsupported_media_type', attacker.refresh);
    // Without any browser header either: the media type alone is refused.
    const bare = await call('POST', '/auth/refresh', {
      body: `refresh_token=${attacker.refresh}`,
      contentType: 'application/x-www-form-urlencoded; charset=utf-8',
    });
    expectProblem(bare, 415, 'unsupported_media_type', attacker.refresh);
    await expectUnspent(attacker.refresh);
  });

  it.each([
    ['POST', '/auth/register', 'email=form%40example.com&password=correct+horse+battery+staple'],
    ['POST', '/auth/login', `email=cross1%40example.com&password=${encodeURIComponent(password)}`],
    ['POST', '/auth/logout', 'a=1'],
    ['POST', '/auth/password', 'currentPassword=x&newPassword=y'],
  ])('refuses a form body on %s %s: 415', async (method, path, body) => {
    const { access } = await session();
    const res = await call(method, path, { body, contentType: 'application/x-www-form-urlencoded', token: access });
    expectProblem(res, 415, 'unsupported_media_type');
  });

  it('still takes forms on the OAuth endpoints', async () => {
    const { refresh } = await session();
    const res = await call('POST', '/oauth/token', {
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refresh,
      }).toString(),
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer' });
  });

  it.each([
    ['Sec-Fetch-Site cross-site', { 'sec-fetch-site': 'cross-site' }],
    [
      'Sec-Fetch-Site same-site from an unlisted origin',
      { 'sec-fetch-site': 'same-site', origin: 'https://evil.example.test' },
    ],
    ['an unlisted Origin', { origin: 'https://evil.example' }],
    ['Origin null', { origin: 'null' }],
  ])('refuses a cookie refresh with %s: 403 cross_site_request, nothing rotated', async (_name, headers) => {
    const { refresh } = await session();
    const res = await call('POST', '/auth/refresh', { body: {}, cookie: `tessera_refresh=${refresh}`, headers });
    expectProblem(res, 403, 'cross_site_request', refresh);
    await expectUnspent(refresh);
  });

  it('refuses a cross-site logout and logout everywhere: 403, the session lives on', async () => {
    const { access, refresh } = await session();
    for (const path of ['/auth/logout', '/auth/logout-all']) {
      const res = await call('POST', path, {
        token: access,
        cookie: `tessera_refresh=${refresh}`,
        headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      });
      expectProblem(res, 403, 'cross_site_request', access, refresh);
    }
    expect((await call('GET', '/auth/me', { token: access })).status).toBe(200);
    await expectUnspent(refresh);
  });

  it("serves auth's own origin, the listed console and clients that send no browser header", async () => {
    const own = new URL(auth.base).origin;
    for (const headers of <Record<string, string>[]>[
      { origin: own, 'sec-fetch-site': 'same-origin' },
      { origin: own },
      { origin: CONSOLE, 'sec-fetch-site': 'same-site' },
      { origin: CONSOLE, 'sec-fetch-site': 'cross-site' },
      {},
    ]) {
      const { refresh } = await session();
      const res = await call('POST', '/auth/refresh', { body: {}, cookie: `tessera_refresh=${refresh}`, headers });
      expect({ headers, status: res.status }).toEqual({ headers, status: 200 });
      expect(setsCookie(res)).toBe(true);
      const { access } = await session();
      expect((await call('POST', '/auth/logout', { token: access, headers })).status).toBe(204);
    }
  });
});
