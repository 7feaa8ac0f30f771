import { randomBytes } from 'node:crypto';

import type { TokenVerifier } from '@tessera/auth';
import { RevocationKeys } from '@tessera/auth';
import { createTestVerifier } from '@tessera/auth/testing';
import { testDatabaseTargets } from '@tessera/platform/testing';
import { decodeJwt, decodeProtectedHeader } from 'jose';

import type { AuthAppFixture, AuthResponse as Response } from './auth-app.fixture';
import { startAuthApp, TEST_ISSUER as issuer } from './auth-app.fixture';

const password = 'correct horse battery staple';
// Characters that must survive form-encoding in Basic credentials and bodies (openssl rand -base64).
const ordersSecret = `${randomBytes(30).toString('base64')}+/=`;
const profileSecret = randomBytes(32).toString('base64url');

type Params = Record<string, string | string[]>;

/** `application/x-www-form-urlencoded`, a repeated name for an array value. */
function form(params: Params): string {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      body.append(name, v);
    }
  }
  return body.toString();
}

/** RFC 6749 §2.3.1: id and secret form-encoded, joined by ":", base64 (as libs/auth's ServiceTokenProvider does). */
function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

describe.each(testDatabaseTargets())('OAuth endpoints on $name', (target) => {
  let auth: AuthAppFixture;
  let jwks: unknown[];

  beforeAll(async () => {
    auth = await startAuthApp(target, {
      env: {
        // A reused refresh token counts as theft at once.
        REFRESH_REUSE_GRACE_SECONDS: '0',
        SERVICE_CLIENTS: 'orders=profile:read,profile=orders:read orders:write',
        SERVICE_CLIENT_SECRET_ORDERS: ordersSecret,
        SERVICE_CLIENT_SECRET_PROFILE: profileSecret,
      },
      // Verifies as profile does: keys and revocations watched from NATS only.
      probe: { audience: 'profile' },
    });
    jwks = ((await (await fetch(`${auth.base}/.well-known/jwks.json`)).json()) as { keys: unknown[] }).keys;
  });

  afterAll(async () => {
    await auth?.close();
  });

  function post(
    path: string,
    body: Params | string | Record<string, unknown>,
    options: { json?: boolean; authorization?: string; contentType?: string } = {},
  ): Promise<Response> {
    return auth.call('POST', path, {
      body: typeof body === 'string' || options.json ? body : form(body as Params),
      contentType: options.contentType ?? (options.json ? 'application/json' : 'application/x-www-form-urlencoded'),
      headers: options.authorization ? { authorization: options.authorization } : {},
    });
  }

  const token = (body: Params | string | Record<string, unknown>, options?: Parameters<typeof post>[2]) =>
    post('/oauth/token', body, options);
  const revoke = (body: Params | string | Record<string, unknown>, options?: Parameters<typeof post>[2]) =>
    post('/oauth/revoke', body, options);
  const ordersBasic = () => basic('orders', ordersSecret);

  function verifierFor(audience: string): TokenVerifier {
    return createTestVerifier({ issuer, audience }, jwks).verifier;
  }

  function expectOAuthError(res: Response, status: number, error: string): void {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.body).toEqual({ error, error_description: expect.any(String) });
    // Never a secret or a stack in an error.
    for (const secret of [ordersSecret, profileSecret]) {
      expect(res.text).not.toContain(secret);
    }
    expect(res.text).not.toMatch(/\bat .+:\d+:\d+/);
  }

  const revocationEntry = (key: string) => auth.revocationEntry(key);
  const probeVerdict = (accessToken: string, expected: 'accepted' | 'refused') =>
    auth.probeVerdict(accessToken, expected);

  let users = 0;
  async function loginPair(): Promise<{ access: string; refresh: string }> {
    const email = `oauth${++users}@example.com`;
    expect((await post('/auth/register', { email, password }, { json: true })).status).toBe(201);
    const res = await post('/auth/login', { email, password }, { json: true });
    expect(res.status).toBe(200);
    return { access: res.body.access_token as string, refresh: res.body.refresh_token as string };
  }

  describe('client_credentials', () => {
    it('issues a 5-minute service token by HTTP Basic that only the scoped service accepts', async () => {
      const res = await token({ grant_type: 'client_credentials' }, { authorization: ordersBasic() });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 300,
        scope: 'profile:read',
      });
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('pragma')).toBe('no-cache');
      const accessToken = res.body.access_token as string;
      expect(decodeProtectedHeader(accessToken)).toMatchObject({
        alg: 'RS256',
        typ: 'at+jwt',
        kid: expect.any(String),
      });
      const claims = decodeJwt(accessToken);
      expect(claims).toEqual({
        iss: issuer,
        sub: 'client:orders',
        client_id: 'orders',
        aud: ['profile'],
        roles: [],
        scope: 'profile:read',
        iat: expect.any(Number),
        nbf: claims.iat,
        exp: claims.iat! + 300,
        jti: expect.any(String),
      });
      await expect(verifierFor('profile').verify(accessToken)).resolves.toMatchObject({
        sub: 'client:orders',
        clientId: 'orders',
        scopes: ['profile:read'],
        roles: [],
      });
      await expect(verifierFor('orders').verify(accessToken)).rejects.toThrow();
      await expect(verifierFor('auth').verify(accessToken)).rejects.toThrow();
      expect(await probeVerdict(accessToken, 'accepted')).toBe('accepted');
    });

    it('authenticates with client_id and client_secret in a form body', async () => {
      const res = await token({ grant_type: 'client_credentials', client_id: 'orders', client_secret: ordersSecret });
      expect(res.status).toBe(200);
      await expect(verifierFor('profile').verify(res.body.access_token as string)).resolves.toMatchObject({
        clientId: 'orders',
      });
    });

    it('authenticates with client_id and client_secret in a JSON body', async () => {
      const res = await token(
        { grant_type: 'client_credentials', client_id: 'orders', client_secret: ordersSecret },
        { json: true },
      );
      expect(res.status).toBe(200);
      expect(res.body.scope).toBe('profile:read');
    });

    it('grants the requested subset of scopes, with an aud for each service they name', async () => {
      const res = await token(
        { grant_type: 'client_credentials', scope: 'orders:read' },
        { authorization: basic('profile', profileSecret) },
      );
      expect(res.status).toBe(200);
      expect(res.body.scope).toBe('orders:read');
      expect(decodeJwt(res.body.access_token as string)).toMatchObject({ aud: ['orders'], scope: 'orders:read' });
      const all = await token({ grant_type: 'client_credentials' }, { authorization: basic('profile', profileSecret) });
      expect(all.body.scope).toBe('orders:read orders:write');
    });

    it('refuses a scope beyond the client’s with 400 invalid_scope', async () => {
      for (const scope of ['orders:read', 'profile:read profile:write', 'profile:read "x"']) {
        expectOAuthError(
          await token({ grant_type: 'client_credentials', scope }, { authorization: ordersBasic() }),
          400,
          'invalid_scope',
        );
      }
    });

    it('answers a wrong secret and an unknown client identically: 401 invalid_client with a Basic challenge', async () => {
      const wrong = await token(
        { grant_type: 'client_credentials' },
        { authorization: basic('orders', profileSecret) },
      );
      const unknown = await token(
        { grant_type: 'client_credentials' },
        { authorization: basic('billing', ordersSecret) },
      );
      const wrongPost = await token({
        grant_type: 'client_credentials',
        client_id: 'orders',
        client_secret: 'x'.repeat(43),
      });
      for (const res of [wrong, unknown, wrongPost]) {
        expectOAuthError(res, 401, 'invalid_client');
        expect(res.headers.get('www-authenticate')).toBe('Basic realm="tessera"');
        expect(res.text).toBe(wrong.text);
      }
    });

    it('needs client authentication', async () => {
      expectOAuthError(await token({ grant_type: 'client_credentials' }), 401, 'invalid_client');
      expectOAuthError(await token({ grant_type: 'client_credentials', client_id: 'orders' }), 401, 'invalid_client');
      const bearer = await token({ grant_type: 'client_credentials' }, { authorization: 'Bearer abc.def.ghi' });
      expectOAuthError(bearer, 401, 'invalid_client');
    });

    it('refuses two client authentications in one request with 400 invalid_request', async () => {
      const res = await token(
        { grant_type: 'client_credentials', client_id: 'orders', client_secret: ordersSecret },
        { authorization: ordersBasic() },
      );
      expectOAuthError(res, 400, 'invalid_request');
    });
  });

  describe('request errors', () => {
    it('answers an unknown grant type with 400 unsupported_grant_type', async () => {
      const res = await token(
        { grant_type: 'password', username: 'a', password: 'b' },
        { authorization: ordersBasic() },
      );
      expectOAuthError(res, 400, 'unsupported_grant_type');
    });

    it('answers a missing grant_type, a repeated parameter and a malformed body with 400 invalid_request', async () => {
      expectOAuthError(await token({}, { authorization: ordersBasic() }), 400, 'invalid_request');
      expectOAuthError(
        await token({ grant_type: ['client_credentials', 'client_credentials'] }, { authorization: ordersBasic() }),
        400,
        'invalid_request',
      );
      expectOAuthError(
        await token({ grant_type: 'client_credentials', scope: 5 }, { json: true, authorization: ordersBasic() }),
        400,
        'invalid_request',
      );
      // Refused by the framework before the route runs, still answered the RFC 6749 way.
      expectOAuthError(await token('{"grant_type":', { json: true }), 400, 'invalid_request');
      expectOAuthError(await token('', { json: true }), 400, 'invalid_request');
      expectOAuthError(await token(`scope=${'x'.repeat(70_000)}`), 400, 'invalid_request');
      expectOAuthError(
        await token('grant_type=client_credentials', { contentType: 'text/plain', authorization: ordersBasic() }),
        400,
        'invalid_request',
      );
    });

    it('ignores parameters it does not know (RFC 6749 §3.2) and treats empty ones as omitted', async () => {
      const res = await token(
        { grant_type: 'client_credentials', audience: 'orders', resource: 'x', scope: '' },
        { authorization: ordersBasic() },
      );
      expect(res.status).toBe(200);
      expect(res.body.scope).toBe('profile:read');
    });
  });

  describe('refresh_token', () => {
    it('rotates the refresh token like POST /auth/refresh, and a reused one fails and ends the session', async () => {
      const first = await loginPair();
      const res = await token({ grant_type: 'refresh_token', refresh_token: first.refresh });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
        refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      });
      expect(res.headers.get('cache-control')).toBe('no-store');
      const second = res.body.refresh_token as string;
      expect(second).not.toBe(first.refresh);
      expect(decodeJwt(res.body.access_token as string).sub).toBe(decodeJwt(first.access).sub);

      const reused = await token({ grant_type: 'refresh_token', refresh_token: first.refresh });
      expectOAuthError(reused, 400, 'invalid_grant');
      expect(reused.text).not.toContain(first.refresh);
      // Theft detection ended the family: the newest token is dead too.
      expectOAuthError(await token({ grant_type: 'refresh_token', refresh_token: second }), 400, 'invalid_grant');
    });

    it('answers an unknown or missing refresh token with invalid_grant and invalid_request', async () => {
      expectOAuthError(
        await token({ grant_type: 'refresh_token', refresh_token: 'A'.repeat(43) }),
        400,
        'invalid_grant',
      );
      expectOAuthError(await token({ grant_type: 'refresh_token', refresh_token: 'nope' }), 400, 'invalid_grant');
      expectOAuthError(await token({ grant_type: 'refresh_token' }), 400, 'invalid_request');
    });

    it('checks client credentials when sent, and refuses a user’s refresh token to a service client unharmed', async () => {
      const pair = await loginPair();
      const wrong = await token(
        { grant_type: 'refresh_token', refresh_token: pair.refresh },
        { authorization: basic('orders', profileSecret) },
      );
      expectOAuthError(wrong, 401, 'invalid_client');
      const service = await token(
        { grant_type: 'refresh_token', refresh_token: pair.refresh },
        { authorization: ordersBasic() },
      );
      expectOAuthError(service, 400, 'invalid_grant');
      // Neither attempt spent the token.
      expect((await token({ grant_type: 'refresh_token', refresh_token: pair.refresh })).status).toBe(200);
    });
  });

  describe('POST /oauth/revoke', () => {
    it('revokes a service token: its jti is in the revocations bucket and the service refuses it', async () => {
      const issued = await token({ grant_type: 'client_credentials' }, { authorization: ordersBasic() });
      const accessToken = issued.body.access_token as string;
      expect(await probeVerdict(accessToken, 'accepted')).toBe('accepted');
      const res = await revoke(
        { token: accessToken, token_type_hint: 'access_token' },
        { authorization: ordersBasic() },
      );
      expect(res.status).toBe(200);
      expect(res.text).toBe('');
      const { jti, exp } = decodeJwt(accessToken);
      expect(await revocationEntry(RevocationKeys.jti(jti!))).toEqual({ exp });
      expect(await probeVerdict(accessToken, 'refused')).toBe('refused');
    });

    it('revokes a user’s access token without client authentication, from a JSON body', async () => {
      const pair = await loginPair();
      const res = await revoke({ token: pair.access }, { json: true });
      expect(res.status).toBe(200);
      expect(await revocationEntry(RevocationKeys.jti(decodeJwt(pair.access).jti!))).toBeDefined();
      expect(
        (await fetch(`${auth.base}/auth/me`, { headers: { authorization: `Bearer ${pair.access}` } })).status,
      ).toBe(401);
    });

    it('revokes a refresh token by ending its session', async () => {
      const pair = await loginPair();
      const res = await revoke({ token: pair.refresh, token_type_hint: 'refresh_token' });
      expect(res.status).toBe(200);
      expect(res.text).toBe('');
      expectOAuthError(await token({ grant_type: 'refresh_token', refresh_token: pair.refresh }), 400, 'invalid_grant');
      expect(await revocationEntry(RevocationKeys.jti(decodeJwt(pair.access).jti!))).toBeDefined();
    });

    it('answers 200 with an empty body for tokens it does not know', async () => {
      const forged = `${Buffer.from('{"alg":"RS256","typ":"at+jwt","kid":"nope"}').toString('base64url')}.e30.c2ln`;
      for (const unknown of ['A'.repeat(43), 'not a token', forged, 'x'.repeat(10_000)]) {
        const res = await revoke({ token: unknown, token_type_hint: 'something_else' });
        expect(res.status).toBe(200);
        expect(res.text).toBe('');
      }
    });

    it('answers a missing token with 400 invalid_request and wrong client credentials with 401 invalid_client', async () => {
      expectOAuthError(await revoke({}), 400, 'invalid_request');
      const pair = await loginPair();
      const wrong = await revoke({ token: pair.access }, { authorization: basic('orders', profileSecret) });
      expectOAuthError(wrong, 401, 'invalid_client');
      expect(await revocationEntry(RevocationKeys.jti(decodeJwt(pair.access).jti!))).toBeUndefined();
    });
  });

  describe('GET /.well-known/openid-configuration', () => {
    it('describes the endpoints, grants, client authentication, algorithms and scopes', async () => {
      const res = await fetch(`${auth.base}/.well-known/openid-configuration`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=300');
      expect(await res.json()).toEqual({
        issuer,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        authorization_endpoint: `${issuer}/oauth/authorize`,
        token_endpoint: `${issuer}/oauth/token`,
        userinfo_endpoint: `${issuer}/oauth/userinfo`,
        end_session_endpoint: `${issuer}/oauth/logout`,
        revocation_endpoint: `${issuer}/oauth/revoke`,
        introspection_endpoint: `${issuer}/oauth/introspect`,
        response_types_supported: ['code'],
        response_modes_supported: ['query', 'form_post'],
        grant_types_supported: [
          'authorization_code',
          'client_credentials',
          'refresh_token',
          'urn:ietf:params:oauth:grant-type:token-exchange',
        ],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
        revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
        introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        access_token_signing_alg_values_supported: ['RS256'],
        id_token_signing_alg_values_supported: ['RS256'],
        id_token_encryption_alg_values_supported: ['RSA-OAEP-256', 'ECDH-ES'],
        id_token_encryption_enc_values_supported: ['A256GCM'],
        subject_types_supported: ['public'],
        acr_values_supported: ['urn:tessera:acr:pwd', 'urn:tessera:acr:mfa'],
        claims_supported: expect.arrayContaining([
          'sub',
          'auth_time',
          'nonce',
          'acr',
          'amr',
          'sid',
          'at_hash',
          'email',
        ]),
        prompt_values_supported: ['none', 'login', 'consent'],
        authorization_response_iss_parameter_supported: true,
        claims_parameter_supported: false,
        request_parameter_supported: false,
        request_uri_parameter_supported: false,
        scopes_supported: [
          'openid',
          'profile',
          'email',
          'offline_access',
          'orders:read',
          'orders:write',
          'profile:read',
          'profile:write',
        ],
      });
    });
  });
});
