import { randomBytes } from 'node:crypto';

import { testDatabaseTargets } from '@tessera/platform/testing';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';

import type { AuthAppFixture } from './auth-app.fixture';
import { fetchToApp, startAuthApp, TEST_ISSUER as issuer } from './auth-app.fixture';

const password = 'correct horse battery staple';
const ordersSecret = randomBytes(32).toString('base64url');
const profileSecret = randomBytes(32).toString('base64url');

// RFC 8414 discovery and RFC 7662 introspection, as third-party clients use them: oauth4webapi
// and openid-client, not hand-made requests.
describe.each(testDatabaseTargets())('discovery and introspection with certified clients on $name', (target) => {
  let auth: AuthAppFixture;
  let as: oauth.AuthorizationServer;
  let fetchApp: typeof fetch;

  beforeAll(async () => {
    auth = await startAuthApp(target, {
      env: {
        SERVICE_CLIENTS: 'orders=profile:read,profile=orders:read',
        SERVICE_CLIENT_SECRET_ORDERS: ordersSecret,
        SERVICE_CLIENT_SECRET_PROFILE: profileSecret,
      },
    });
    fetchApp = fetchToApp(auth.base);
    const response = await oauth.discoveryRequest(new URL(issuer), {
      algorithm: 'oauth2',
      [oauth.customFetch]: fetchApp,
      [oauth.allowInsecureRequests]: true,
    });
    as = await oauth.processDiscoveryResponse(new URL(issuer), response);
  });

  afterAll(async () => {
    await auth?.close();
  });

  let users = 0;
  async function userToken(): Promise<string> {
    const email = `introspect${++users}@example.com`;
    expect((await auth.call('POST', '/auth/register', { body: { email, password } })).status).toBe(201);
    const res = await auth.call('POST', '/auth/login', { body: { email, password } });
    expect(res.status).toBe(200);
    return res.body.access_token as string;
  }

  async function introspect(token: string, secret = ordersSecret) {
    const response = await oauth.introspectionRequest(
      as,
      { client_id: 'orders' },
      oauth.ClientSecretBasic(secret),
      token,
      {
        [oauth.customFetch]: fetchApp,
        [oauth.allowInsecureRequests]: true,
      },
    );
    return oauth.processIntrospectionResponse(as, { client_id: 'orders' }, response);
  }

  it('serves the RFC 8414 document at /.well-known/oauth-authorization-server, equal to the OpenID path', async () => {
    expect(as).toMatchObject({
      issuer,
      token_endpoint: `${issuer}/oauth/token`,
      introspection_endpoint: `${issuer}/oauth/introspect`,
      response_types_supported: ['code'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    });
    const openid = await auth.call('GET', '/.well-known/openid-configuration');
    expect(openid.body).toEqual(as);
  });

  it("describes an active user token: the user, its roles and scopes, for any service's audience", async () => {
    const token = await userToken();
    const answer = await introspect(token);
    expect(answer).toMatchObject({
      active: true,
      sub: expect.any(String),
      iss: issuer,
      token_type: 'Bearer',
      roles: ['user'],
      client_id: 'tessera-web',
      scope: 'orders:read orders:write profile:read profile:write',
      aud: expect.arrayContaining(['orders', 'profile']),
      exp: expect.any(Number),
      iat: expect.any(Number),
      jti: expect.any(String),
    });
    expect(answer.exp! - answer.iat!).toBeGreaterThan(0);
  });

  it('answers only {"active": false} for a revoked, forged or refresh token, saying nothing of why', async () => {
    const token = await userToken();
    const forged = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    expect(await introspect(forged)).toEqual({ active: false });
    expect(await introspect('not-a-token')).toEqual({ active: false });
    const login = await auth.call('POST', '/auth/login', {
      body: { email: `introspect${users}@example.com`, password },
    });
    expect(await introspect(login.body.refresh_token as string)).toEqual({ active: false });

    expect((await introspect(token)).active).toBe(true);
    expect((await auth.call('POST', '/auth/logout', { token })).status).toBe(204);
    expect(await introspect(token)).toEqual({ active: false });
  });

  it("describes a service token with its client_id and scope, through openid-client's tokenIntrospection", async () => {
    const config = await client.discovery(
      new URL(issuer),
      'orders',
      undefined,
      client.ClientSecretBasic(ordersSecret),
      {
        algorithm: 'oauth2',
        execute: [client.allowInsecureRequests],
        [client.customFetch]: fetchApp,
      },
    );
    const grant = await client.clientCredentialsGrant(config);
    expect(grant.scope).toBe('profile:read');
    const answer = await client.tokenIntrospection(config, grant.access_token);
    expect(answer).toMatchObject({
      active: true,
      sub: 'client:orders',
      client_id: 'orders',
      scope: 'profile:read',
      aud: ['profile'],
    });
  });

  it('refuses a client that does not authenticate, or authenticates wrongly: 401 invalid_client', async () => {
    const token = await userToken();
    // oauth4webapi reads the 401's WWW-Authenticate challenge first.
    await expect(introspect(token, 'wrong-secret')).rejects.toMatchObject({
      status: 401,
      cause: [expect.objectContaining({ scheme: 'basic' })],
    });
    const anonymous = await auth.call('POST', '/oauth/introspect', {
      body: new URLSearchParams({ token }).toString(),
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic /);
    const noToken = await auth.call('POST', '/oauth/introspect', {
      body: '',
      contentType: 'application/x-www-form-urlencoded',
      headers: { authorization: `Basic ${Buffer.from(`orders:${ordersSecret}`).toString('base64')}` },
    });
    expect(noToken.status).toBe(400);
    expect(noToken.body).toMatchObject({ error: 'invalid_request' });
    expect(noToken.headers.get('cache-control')).toBe('no-store');
  });
});
