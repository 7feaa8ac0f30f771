import { testDatabaseTargets } from '@tessera/platform/testing';

import { expectNoLeak, expectOAuthError, expectProblem } from './support/expect';
import { pairOf, startSystem, type SecuritySystem } from './support/system';

/**
 * RFC 9700 (OAuth 2.0 Security Best Current Practice) §4.14 refresh tokens: rotation,
 * reuse detection ending the whole family, an absolute lifetime, and the RFC 6749 §5.2 errors
 * of the token endpoint for every refusal.
 */
describe.each(testDatabaseTargets())('RFC 9700: refresh tokens on $name', (target) => {
  let s: SecuritySystem;

  beforeAll(async () => {
    // No grace window: a rotated token presented again is reuse at once (§4.14.2).
    s = await startSystem(target, { authEnv: { REFRESH_REUSE_GRACE_SECONDS: '0' } });
    // Three apps, each booting its own database, on a 2-core machine that may be busy.
  }, 180_000);

  afterAll(() => s?.close());

  const oauthRefresh = (refreshToken: string) =>
    s.call('auth', 'POST', '/oauth/token', {
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
      contentType: 'application/x-www-form-urlencoded',
    });
  const me = async (token: string) => (await s.call('auth', 'GET', '/auth/me', { token })).status;

  it('§4.14.2 every refresh rotates: a new refresh token each time, the old one no longer works', async () => {
    const first = await s.session();
    const second = pairOf(await s.refresh(first.refresh));
    expect(second.refresh).not.toBe(first.refresh);
    expect(second.access).not.toBe(first.access);
    expect(await me(second.access)).toBe(200);
  });

  it('§4.14.2 reuse of a rotated token ends the whole family: the newest refresh and access tokens die too', async () => {
    const first = await s.session();
    const second = pairOf(await s.refresh(first.refresh));
    expectProblem(await s.refresh(first.refresh), 401, 'invalid_grant');
    expectProblem(await s.refresh(second.refresh), 401, 'invalid_grant');
    expect(await me(second.access)).toBe(401);
    // Through the token endpoint the same family answers invalid_grant (RFC 6749 §5.2).
    expectOAuthError(await oauthRefresh(second.refresh), 400, 'invalid_grant');
  });

  it('§4.14.2 reuse through /oauth/token: invalid_grant, and the family ends there too', async () => {
    const first = await s.session();
    const rotated = await oauthRefresh(first.refresh);
    expect(rotated.status).toBe(200);
    expect(rotated.headers['cache-control']).toBe('no-store');
    const next = rotated.body.refresh_token as string;
    expectOAuthError(await oauthRefresh(first.refresh), 400, 'invalid_grant');
    expectOAuthError(await oauthRefresh(next), 400, 'invalid_grant');
  });

  it('ten parallel refreshes of one token: exactly one wins, the others are refused without a 500', async () => {
    const first = await s.session();
    const results = await Promise.all(Array.from({ length: 10 }, () => s.refresh(first.refresh)));
    results.forEach(expectNoLeak);
    const won = results.filter((r) => r.status === 200);
    expect(won).toHaveLength(1);
    for (const lost of results.filter((r) => r.status !== 200)) {
      expectProblem(lost, 401, 'invalid_grant');
    }
  });

  it('§4.14.2 absolute lifetime: a family past it refuses even a fresh, never-used refresh token', async () => {
    const first = await s.session();
    const second = pairOf(await s.refresh(first.refresh));
    const jti = JSON.parse(Buffer.from(second.access.split('.')[1], 'base64url').toString()) as { jti: string };
    await s.authSql(
      `update session_families set absolute_expires_at = now() - interval '1 second'
       where id in (select family_id from refresh_tokens where access_jti = '${jti.jti}')`,
    );
    expectProblem(await s.refresh(second.refresh), 401, 'invalid_grant');
  });

  it.each<[string, unknown]>([
    ['an unknown token', 'A'.repeat(43)],
    ['an empty string', ''],
    ['an operator object {"$ne":null}', { $ne: null }],
    ['an operator object {"$gt":""}', { $gt: '' }],
    ['an array', ['a', 'b']],
    ['null', null],
    ['a number', 12345],
    ['8 KB of text', 'x'.repeat(8192)],
  ])('POST /auth/refresh with %s as refresh_token: 400 or 401, never a session', async (_name, value) => {
    const res = await s.call('auth', 'POST', '/auth/refresh', { body: { refresh_token: value } });
    expectNoLeak(res);
    expect([400, 401]).toContain(res.status);
    expect(res.body.access_token).toBeUndefined();
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('RFC 6749 §5.2 at /oauth/token: wrong secret, unknown client, unknown grant, missing and repeated parameters', async () => {
    const form = (params: Record<string, string>, extra = '') => ({
      body: new URLSearchParams(params).toString() + extra,
      contentType: 'application/x-www-form-urlencoded',
    });
    const wrong = await s.call(
      'auth',
      'POST',
      '/oauth/token',
      form({ grant_type: 'client_credentials', client_id: 'orders', client_secret: 'wrong' }),
    );
    expectOAuthError(wrong, 401, 'invalid_client');
    const unknown = await s.call(
      'auth',
      'POST',
      '/oauth/token',
      form({ grant_type: 'client_credentials', client_id: 'mallory', client_secret: 'wrong' }),
    );
    expectOAuthError(unknown, 401, 'invalid_client');
    expect(unknown.text).toBe(wrong.text);
    expectOAuthError(
      await s.call('auth', 'POST', '/oauth/token', form({ grant_type: 'password', username: 'a', password: 'b' })),
      400,
      'unsupported_grant_type',
    );
    expectOAuthError(await s.call('auth', 'POST', '/oauth/token', form({})), 400, 'invalid_request');
    expectOAuthError(
      await s.call('auth', 'POST', '/oauth/token', form({ grant_type: 'refresh_token' }, '&grant_type=refresh_token')),
      400,
      'invalid_request',
    );
    expectOAuthError(
      await s.call('auth', 'POST', '/oauth/token', {
        body: { grant_type: 'client_credentials', client_id: 'orders', client_secret: { $ne: null } },
      }),
      400,
      'invalid_request',
    );
    expectOAuthError(
      await s.call('auth', 'POST', '/oauth/token', {
        body: {
          grant_type: 'client_credentials',
          client_id: 'orders',
          client_secret: s.clientSecrets.orders,
          scope: 'admin',
        },
      }),
      400,
      'invalid_scope',
    );
  });

  it('a service client cannot redeem a user’s refresh token, and the user’s session survives', async () => {
    const user = await s.session();
    const res = await s.call('auth', 'POST', '/oauth/token', {
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: user.refresh,
        client_id: 'orders',
        client_secret: s.clientSecrets.orders,
      }).toString(),
      contentType: 'application/x-www-form-urlencoded',
    });
    expectOAuthError(res, 400, 'invalid_grant');
    expect((await s.refresh(user.refresh)).status).toBe(200);
  });
});
