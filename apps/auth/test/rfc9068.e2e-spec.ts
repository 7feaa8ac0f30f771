import { CONSOLE_CLIENT_ID } from '@tessera/contracts';
import { testDatabaseTargets } from '@tessera/platform/testing';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';

import type { AuthAppFixture } from './auth-app.fixture';
import { fetchToApp, startAuthApp, TEST_ISSUER as issuer } from './auth-app.fixture';

const password = 'correct horse battery staple';
const USER_SCOPES = 'orders:read orders:write profile:read profile:write';

// User access tokens as RFC 9068 resource servers and RFC 6749 public clients see them, through
// oauth4webapi and jose rather than hand-made checks.
describe.each(testDatabaseTargets())('user tokens and the public console client on $name', (target) => {
  let auth: AuthAppFixture;
  let as: oauth.AuthorizationServer;
  let fetchApp: typeof fetch;
  // One set of options for every call; each oauth4webapi call types its own.
  function options<T>(): T {
    return { [oauth.customFetch]: fetchApp, [oauth.allowInsecureRequests]: true } as T;
  }
  const console_: oauth.Client = { client_id: CONSOLE_CLIENT_ID, token_endpoint_auth_method: 'none' };

  beforeAll(async () => {
    // No grace window for a lost race: a rotated token presented again is reuse at once.
    auth = await startAuthApp(target, { env: { REFRESH_REUSE_GRACE_SECONDS: '0' } });
    fetchApp = fetchToApp(auth.base);
    const response = await oauth.discoveryRequest(new URL(issuer), { algorithm: 'oauth2', ...options() });
    as = await oauth.processDiscoveryResponse(new URL(issuer), response);
  });

  afterAll(async () => {
    await auth?.close();
  });

  let users = 0;
  async function signIn(): Promise<{ access_token: string; refresh_token: string }> {
    const email = `rfc9068-${++users}@example.com`;
    expect((await auth.call('POST', '/auth/register', { body: { email, password } })).status).toBe(201);
    const res = await auth.call('POST', '/auth/login', { body: { email, password } });
    expect(res.status).toBe(200);
    return res.body as { access_token: string; refresh_token: string };
  }

  function refresh(token: string) {
    return oauth
      .refreshTokenGrantRequest(as, console_, oauth.None(), token, options())
      .then((response) => oauth.processRefreshTokenResponse(as, console_, response));
  }

  it("passes oauth4webapi's RFC 9068 validation, naming the console's client and the role's scopes", async () => {
    const { access_token } = await signIn();
    const request = new Request('https://orders.example/orders', {
      headers: { authorization: `Bearer ${access_token}` },
    });
    const claims = await oauth.validateJwtAccessToken(as, request, 'orders', options());
    expect(claims).toMatchObject({ iss: issuer, client_id: CONSOLE_CLIENT_ID, scope: USER_SCOPES });
    expect(claims.aud).toEqual(expect.arrayContaining(['orders', 'profile']));
    // The same token for another audience is refused by the library, not only by Tessera.
    await expect(oauth.validateJwtAccessToken(as, request, 'billing', options())).rejects.toThrow();
  });

  it('passes jose with the RFC 9068 claims required and the at+jwt type', async () => {
    const { access_token } = await signIn();
    const jwks = (await auth.call('GET', '/.well-known/jwks.json')).body as unknown as JSONWebKeySet;
    const { payload, protectedHeader } = await jwtVerify(access_token, createLocalJWKSet(jwks), {
      issuer,
      audience: 'profile',
      typ: 'at+jwt',
      requiredClaims: ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'],
    });
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(payload).toMatchObject({ client_id: CONSOLE_CLIENT_ID, scope: USER_SCOPES, roles: ['user'] });
  });

  it('refreshes as the public client tessera-web at /oauth/token, rotating the token', async () => {
    const first = await signIn();
    const rotated = await refresh(first.refresh_token);
    expect(rotated.token_type).toBe('bearer');
    expect(rotated.refresh_token).toEqual(expect.any(String));
    expect(rotated.refresh_token).not.toBe(first.refresh_token);
    const request = new Request('https://profile.example/profile/me', {
      headers: { authorization: `Bearer ${rotated.access_token}` },
    });
    const claims = await oauth.validateJwtAccessToken(as, request, 'profile', options());
    expect(claims).toMatchObject({ client_id: CONSOLE_CLIENT_ID, scope: USER_SCOPES });
    // The next rotation from the new token works too.
    expect((await refresh(rotated.refresh_token!)).access_token).toEqual(expect.any(String));
  });

  it('treats a rotated refresh token presented again as theft: invalid_grant, and the family ends', async () => {
    const first = await signIn();
    const rotated = await refresh(first.refresh_token);
    await expect(refresh(first.refresh_token)).rejects.toMatchObject({ error: 'invalid_grant' });
    // The thief's replay ended the whole family: the legitimate holder's newer token is dead too.
    await expect(refresh(rotated.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const me = await auth.call('GET', '/auth/me', { token: rotated.access_token });
    expect(me.status).toBe(401);
  });

  it('refuses the public client when it sends a secret, and a refresh token that is not one', async () => {
    const { refresh_token } = await signIn();
    const withSecret = await auth.call('POST', '/oauth/token', {
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: CONSOLE_CLIENT_ID,
        client_secret: 'x'.repeat(43),
        refresh_token,
      }).toString(),
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(withSecret.status).toBe(401);
    expect(withSecret.body).toMatchObject({ error: 'invalid_client' });
    await expect(refresh('not-a-refresh-token')).rejects.toMatchObject({ error: 'invalid_grant' });
    // Neither refusal used the token up.
    expect((await refresh(refresh_token)).access_token).toEqual(expect.any(String));
  });
});
