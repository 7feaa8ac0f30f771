import { randomBytes } from 'node:crypto';

import { RevocationKeys } from '@tessera/auth';
import { testDatabaseTargets } from '@tessera/platform/testing';
import { decodeJwt, decodeProtectedHeader } from 'jose';

import type { AuthAppFixture, AuthResponse as Response } from './auth-app.fixture';
import { sleep, startAuthApp } from './auth-app.fixture';

const password = 'correct horse battery staple';
const ordersSecret = randomBytes(32).toString('base64url');
const profileSecret = randomBytes(32).toString('base64url');
const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS = 'urn:ietf:params:oauth:token-type:access_token';
// Short user tokens, so an expired subject token takes seconds, not minutes.
const ACCESS_TTL = 10;

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

describe.each(testDatabaseTargets())('RFC 8693 token exchange on $name', (target) => {
  let auth: AuthAppFixture;

  beforeAll(async () => {
    auth = await startAuthApp(target, {
      env: {
        ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TTL),
        SERVICE_CLIENTS: 'orders=profile:read,profile=orders:read',
        TOKEN_EXCHANGE_CLIENTS: 'profile=orders:read',
        SERVICE_CLIENT_SECRET_ORDERS: ordersSecret,
        SERVICE_CLIENT_SECRET_PROFILE: profileSecret,
      },
      // Verifies as orders does: accepts exchanged tokens acted by profile only.
      probe: { audience: 'orders', allowedActors: ['client:profile'] },
    });
    // PGlite start-up is slow on a loaded machine.
  }, 60_000);

  afterAll(async () => {
    await auth?.close();
  });

  let users = 0;
  async function userToken(): Promise<string> {
    const email = `exchange${++users}@example.com`;
    expect((await auth.call('POST', '/auth/register', { body: { email, password } })).status).toBe(201);
    const res = await auth.call('POST', '/auth/login', { body: { email, password } });
    expect(res.status).toBe(200);
    return res.body.access_token as string;
  }

  function exchange(
    params: Record<string, string>,
    authorization = basic('profile', profileSecret),
  ): Promise<Response> {
    return auth.call('POST', '/oauth/token', {
      body: new URLSearchParams({
        grant_type: GRANT,
        subject_token_type: ACCESS,
        audience: 'orders',
        ...params,
      }).toString(),
      contentType: 'application/x-www-form-urlencoded',
      headers: { authorization },
    });
  }

  function expectError(res: Response, status: number, error: string, subjectToken?: string): void {
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ error, error_description: expect.any(String) });
    expect(res.headers.get('cache-control')).toBe('no-store');
    for (const secret of [ordersSecret, profileSecret, ...(subjectToken ? [subjectToken] : [])]) {
      expect(res.text).not.toContain(secret);
    }
  }

  it('issues a token for orders only, acted by profile, narrowed, never outliving the user token', async () => {
    const subject = await userToken();
    const res = await exchange({ subject_token: subject, scope: 'orders:read' });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      access_token: expect.any(String),
      issued_token_type: ACCESS,
      token_type: 'Bearer',
      expires_in: expect.any(Number),
      scope: 'orders:read',
    });
    const issued = res.body.access_token as string;
    expect(decodeProtectedHeader(issued)).toMatchObject({ typ: 'at+jwt', kid: expect.any(String) });
    const claims = decodeJwt(issued);
    const user = decodeJwt(subject);
    expect(claims).toMatchObject({
      sub: user.sub,
      aud: ['orders'],
      scope: 'orders:read',
      client_id: 'profile',
      act: { sub: 'client:profile' },
      roles: [],
    });
    expect(claims.jti).not.toBe(user.jti);
    expect(claims.exp!).toBeLessThanOrEqual(user.exp!);
    expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(300);
    expect(res.body.expires_in).toBeLessThanOrEqual(ACCESS_TTL);
    expect(await auth.probeVerdict(issued, 'accepted')).toBe('accepted');
  });

  it('grants every allowed scope when scope is omitted, and takes client_secret_post', async () => {
    const res = await auth.call('POST', '/oauth/token', {
      body: {
        grant_type: GRANT,
        subject_token: await userToken(),
        subject_token_type: ACCESS,
        requested_token_type: ACCESS,
        audience: 'orders',
        client_id: 'profile',
        client_secret: profileSecret,
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('orders:read');
  });

  it('refuses a wrong client secret, and no client at all, with invalid_client', async () => {
    const subject = await userToken();
    const wrong = await exchange({ subject_token: subject }, basic('profile', 'x'.repeat(43)));
    expectError(wrong, 401, 'invalid_client', subject);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic /);
    const anonymous = await auth.call('POST', '/oauth/token', {
      body: { grant_type: GRANT, subject_token: subject, subject_token_type: ACCESS, audience: 'orders' },
    });
    expectError(anonymous, 401, 'invalid_client', subject);
  });

  it('refuses a client not registered for the exchange grant with unauthorized_client', async () => {
    const subject = await userToken();
    expectError(
      await exchange({ subject_token: subject, audience: 'profile' }, basic('orders', ordersSecret)),
      400,
      'unauthorized_client',
      subject,
    );
  });

  it('refuses an audience the client may not ask for with invalid_target', async () => {
    const subject = await userToken();
    expectError(await exchange({ subject_token: subject, audience: 'profile' }), 400, 'invalid_target', subject);
    expectError(await exchange({ subject_token: subject, audience: 'auth' }), 400, 'invalid_target', subject);
  });

  it('refuses a scope wider than the client may exchange with invalid_scope', async () => {
    const subject = await userToken();
    expectError(await exchange({ subject_token: subject, scope: 'orders:read orders:write' }), 400, 'invalid_scope');
    expectError(await exchange({ subject_token: subject, scope: 'profile:read' }), 400, 'invalid_scope');
  });

  it('refuses other token types and missing parameters with invalid_request', async () => {
    const subject = await userToken();
    const refreshType = 'urn:ietf:params:oauth:token-type:refresh_token';
    expectError(await exchange({ subject_token: subject, subject_token_type: refreshType }), 400, 'invalid_request');
    expectError(await exchange({ subject_token: subject, requested_token_type: refreshType }), 400, 'invalid_request');
    expectError(await exchange({ subject_token: subject, actor_token: subject }), 400, 'invalid_request', subject);
    expectError(await exchange({}), 400, 'invalid_request');
    expectError(await exchange({ subject_token: subject, audience: '' }), 400, 'invalid_request');
  });

  it('refuses a garbage, a service and an exchanged subject token with invalid_grant', async () => {
    expectError(await exchange({ subject_token: 'not-a-token' }), 400, 'invalid_grant');
    const service = await auth.call('POST', '/oauth/token', {
      body: 'grant_type=client_credentials',
      contentType: 'application/x-www-form-urlencoded',
      headers: { authorization: basic('orders', ordersSecret) },
    });
    const serviceToken = service.body.access_token as string;
    expectError(await exchange({ subject_token: serviceToken }), 400, 'invalid_grant', serviceToken);
    const exchanged = (await exchange({ subject_token: await userToken() })).body.access_token as string;
    // A chain of actors is refused: an exchanged token is never exchanged again.
    expectError(await exchange({ subject_token: exchanged }), 400, 'invalid_grant', exchanged);
  });

  it('refuses a revoked subject token with invalid_grant', async () => {
    const subject = await userToken();
    const revoked = await auth.call('POST', '/oauth/revoke', {
      body: `token=${subject}`,
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(revoked.status).toBe(200);
    // auth's own verifier sees the revocation once its watch delivers it (milliseconds).
    let res = await exchange({ subject_token: subject });
    for (let i = 0; i < 20 && res.status === 200; i++) {
      await sleep(100);
      res = await exchange({ subject_token: subject });
    }
    expectError(res, 400, 'invalid_grant', subject);
  });

  it('refuses an expired subject token with invalid_grant', async () => {
    const subject = await userToken();
    // Past its exp and the 5 s clock tolerance.
    await sleep((decodeJwt(subject).exp! + 6) * 1000 - Date.now());
    expectError(await exchange({ subject_token: subject }), 400, 'invalid_grant', subject);
  }, 30_000);

  it('kills exchanged tokens when the user logs out everywhere (revoked-before covers them)', async () => {
    const subject = await userToken();
    const exchanged = (await exchange({ subject_token: subject })).body.access_token as string;
    expect(await auth.probeVerdict(exchanged, 'accepted')).toBe('accepted');
    expect((await auth.call('POST', '/auth/logout-all', { token: subject })).status).toBe(204);
    expect(await auth.revocationEntry(RevocationKeys.subject(decodeJwt(subject).sub!))).toEqual({
      before: expect.any(Number),
    });
    expect(await auth.probeVerdict(exchanged, 'refused')).toBe('refused');
  });

  it('lists the grant in the discovery document', async () => {
    const res = await auth.call('GET', '/.well-known/oauth-authorization-server');
    expect(res.body.grant_types_supported).toContain(GRANT);
  });
});
