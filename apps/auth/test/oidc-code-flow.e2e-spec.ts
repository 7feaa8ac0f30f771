import { createHash } from 'node:crypto';

import { RevocationKeys } from '@tessera/auth';
import { testDatabaseTargets } from '@tessera/platform/testing';
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  type JSONWebKeySet,
  jwtVerify,
} from 'jose';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';

import { OAuthClientsService } from '../src/clients/oauth-clients.service';
import type { AuthAppFixture } from './auth-app.fixture';
import { fetchToApp, REVOCATION_PUBLISH_MS, startAuthApp, TEST_ISSUER as issuer } from './auth-app.fixture';
import type { Hop } from './oidc-browser';
import { TestBrowser } from './oidc-browser';

const password = 'correct horse battery staple';
const REDIRECT = 'https://app.example/callback';
const OTHER_REDIRECT = 'https://other.example/cb';

// The authorization code flow against the real app, with openid-client as the relying party and
// a cookie-keeping client as the browser on the provider's pages.
describe.each(testDatabaseTargets())('OpenID Connect code flow on $name', (target) => {
  let auth: AuthAppFixture;
  let fetchApp: typeof fetch;
  let confidential: { client_id: string; client_secret: string };
  let publicClient: { client_id: string };
  let thirdParty: { client_id: string; client_secret: string };
  let users = 0;

  beforeAll(async () => {
    auth = await startAuthApp(target);
    fetchApp = fetchToApp(auth.base);
    const registry = auth.app.get(OAuthClientsService, { strict: false });
    const policy = { allowLoopbackHttp: true };
    const registered = await registry.register(
      {
        client_name: 'Retirement site',
        redirect_uris: [REDIRECT],
        post_logout_redirect_uris: ['https://app.example/bye'],
        grant_types: ['authorization_code', 'refresh_token'],
        scope: 'openid profile email orders:read',
        first_party: true,
      },
      policy,
    );
    confidential = { client_id: registered.client_id, client_secret: registered.client_secret! };
    const pub = await registry.register(
      {
        client_name: 'Bank',
        redirect_uris: [OTHER_REDIRECT],
        token_endpoint_auth_method: 'none',
        scope: 'openid email',
        first_party: true,
      },
      policy,
    );
    publicClient = { client_id: pub.client_id };
    const third = await registry.register(
      {
        client_name: 'Partner <b>shop</b>',
        redirect_uris: ['https://partner.example/cb'],
        scope: 'openid profile orders:read',
      },
      policy,
    );
    thirdParty = { client_id: third.client_id, client_secret: third.client_secret! };
  });

  afterAll(async () => {
    await auth?.close();
  });

  async function newUser(): Promise<string> {
    const email = `oidc-${++users}@example.com`;
    const res = await auth.call('POST', '/auth/register', { body: { email, password, displayName: 'Ada' } });
    expect(res.status).toBe(201);
    return email;
  }

  async function configFor(id: string, secret?: string): Promise<client.Configuration> {
    return client.discovery(new URL(issuer), id, secret, secret ? client.ClientSecretBasic(secret) : client.None(), {
      execute: [client.allowInsecureRequests],
      [client.customFetch]: fetchApp,
    });
  }

  interface Started {
    url: URL;
    verifier: string;
    state: string;
    nonce: string;
  }

  async function start(
    config: client.Configuration,
    redirect: string,
    scope: string,
    extra: Record<string, string> = {},
  ): Promise<Started> {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirect,
      scope,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...extra,
    });
    return { url, verifier, state, nonce };
  }

  /** Signs in on the provider's page when it asks, and answers the redirect back to the client. */
  async function authorize(browser: TestBrowser, started: Started, email?: string): Promise<Hop> {
    let hop = await browser.navigate(started.url.href);
    if (hop.status === 200 && email) {
      expect(hop.text).toContain('<label for="email">Email</label>');
      hop = await browser.navigate('', await browser.signIn(hop, email, password));
    }
    return hop;
  }

  async function codeFlow(email: string, browser = new TestBrowser(auth.base)) {
    const config = await configFor(confidential.client_id, confidential.client_secret);
    const started = await start(config, REDIRECT, 'openid profile email orders:read');
    const back = await authorize(browser, started, email);
    expect(back.status).toBe(303);
    expect(back.location).toMatch(/^https:\/\/app\.example\/callback\?/);
    const tokens = await client.authorizationCodeGrant(config, new URL(back.location!), {
      pkceCodeVerifier: started.verifier,
      expectedState: started.state,
      expectedNonce: started.nonce,
      idTokenExpected: true,
    });
    return { config, tokens, browser, started, back };
  }

  it('publishes discovery with every member RFC 8414 and OpenID Connect Discovery require', async () => {
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const res = await auth.call('GET', path);
      expect(res.body).toMatchObject({
        issuer,
        authorization_endpoint: `${issuer}/oauth/authorize`,
        token_endpoint: `${issuer}/oauth/token`,
        userinfo_endpoint: `${issuer}/oauth/userinfo`,
        end_session_endpoint: `${issuer}/oauth/logout`,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
        acr_values_supported: ['urn:tessera:acr:pwd', 'urn:tessera:acr:mfa'],
      });
    }
  });

  it('signs a user in through the code flow: ID token, Tessera access token, userinfo, refresh', async () => {
    const email = await newUser();
    const { config, tokens, started } = await codeFlow(email);
    const idClaims = tokens.claims()!;
    expect(idClaims).toMatchObject({
      iss: issuer,
      aud: confidential.client_id,
      nonce: started.nonce,
      amr: ['pwd'],
      acr: 'urn:tessera:acr:pwd',
      email,
      name: 'Ada',
    });
    expect(typeof idClaims.sid).toBe('string');
    expect(typeof idClaims.auth_time).toBe('number');
    // at_hash (OpenID Connect Core §3.1.3.6): the left half of the access token's SHA-256.
    const digest = createHash('sha256').update(tokens.access_token).digest();
    expect(idClaims.at_hash).toBe(digest.subarray(0, 16).toString('base64url'));

    // The access token is a Tessera token: RFC 9068, the services' audience, the granted scopes.
    const jwks = (await auth.call('GET', '/.well-known/jwks.json')).body as unknown as JSONWebKeySet;
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, createLocalJWKSet(jwks), {
      issuer,
      audience: 'orders',
      typ: 'at+jwt',
      requiredClaims: ['client_id', 'jti', 'iat', 'exp', 'sub'],
    });
    expect(protectedHeader.kid).toBe(decodeProtectedHeader(tokens.id_token!).kid);
    expect(payload).toMatchObject({ sub: idClaims.sub, client_id: confidential.client_id, roles: ['user'] });
    expect(String(payload.scope).split(' ').sort()).toEqual(['email', 'openid', 'orders:read', 'profile']);
    const as = await oauth.processDiscoveryResponse(
      new URL(issuer),
      await oauth.discoveryRequest(new URL(issuer), {
        [oauth.customFetch]: fetchApp,
        [oauth.allowInsecureRequests]: true,
      }),
    );
    const request = new Request('https://orders.example/orders', {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    await expect(
      oauth.validateJwtAccessToken(as, request, 'orders', {
        [oauth.customFetch]: fetchApp,
        [oauth.allowInsecureRequests]: true,
      }),
    ).resolves.toMatchObject({ client_id: confidential.client_id });
    // auth itself accepts it.
    expect((await auth.call('GET', '/auth/me', { token: tokens.access_token })).status).toBe(200);

    // A confidential relying party may introspect (RFC 7662); a public one may not.
    const introspection = await oauth.introspectionRequest(
      as,
      { client_id: confidential.client_id },
      oauth.ClientSecretBasic(confidential.client_secret),
      tokens.access_token,
      { [oauth.customFetch]: fetchApp, [oauth.allowInsecureRequests]: true },
    );
    expect(
      await oauth.processIntrospectionResponse(as, { client_id: confidential.client_id }, introspection),
    ).toMatchObject({ active: true, sub: idClaims.sub, client_id: confidential.client_id });
    const fromPublic = await auth.call('POST', '/oauth/introspect', {
      body: new URLSearchParams({ token: tokens.access_token, client_id: publicClient.client_id }).toString(),
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(fromPublic.status).toBe(401);
    expect(fromPublic.body).toMatchObject({ error: 'invalid_client' });

    const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
    expect(info).toEqual({ sub: idClaims.sub, name: 'Ada', email, email_verified: false });

    // The user sees the application's session in their list, and can end it there.
    const sessions = await auth.call('GET', '/auth/sessions', { token: tokens.access_token });
    expect(sessions.body).toEqual(
      expect.arrayContaining([expect.objectContaining({ clientId: confidential.client_id, current: true })]),
    );

    // A client registered for the refresh grant gets a refresh token, rotated by Tessera.
    expect(typeof tokens.refresh_token).toBe('string');
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(decodeJwt(refreshed.access_token)).toMatchObject({
      sub: idClaims.sub,
      client_id: confidential.client_id,
      scope: payload.scope,
    });
  });

  it('signs the user in to a second application on another origin without a password', async () => {
    const email = await newUser();
    const { browser } = await codeFlow(email);
    const config = await configFor(publicClient.client_id);
    const started = await start(config, OTHER_REDIRECT, 'openid email');
    const back = await authorize(browser, started);
    expect(back.location).toMatch(/^https:\/\/other\.example\/cb\?/);
    const tokens = await client.authorizationCodeGrant(config, new URL(back.location!), {
      pkceCodeVerifier: started.verifier,
      expectedState: started.state,
      expectedNonce: started.nonce,
    });
    expect(tokens.claims()).toMatchObject({ email, aud: publicClient.client_id });
    // No refresh token: the client is not registered for the refresh grant.
    expect(tokens.refresh_token).toBeUndefined();
  });

  it('answers prompt=none without a session with login_required at the redirect URI', async () => {
    const config = await configFor(confidential.client_id, confidential.client_secret);
    const started = await start(config, REDIRECT, 'openid', { prompt: 'none' });
    const back = await new TestBrowser(auth.base).navigate(started.url.href);
    const params = new URL(back.location!).searchParams;
    expect(params.get('error')).toBe('login_required');
    expect(params.get('state')).toBe(started.state);
  });

  it('refuses an authorization request without PKCE, with plain PKCE, or for the implicit flow', async () => {
    const base = {
      client_id: confidential.client_id,
      redirect_uri: REDIRECT,
      scope: 'openid',
      state: 's1',
    };
    const noPkce = await new TestBrowser(auth.base).request(
      'GET',
      `/oauth/authorize?${new URLSearchParams({ ...base, response_type: 'code' }).toString()}`,
    );
    expect(new URL(noPkce.location!).searchParams.get('error')).toBe('invalid_request');
    const plain = await new TestBrowser(auth.base).request(
      'GET',
      `/oauth/authorize?${new URLSearchParams({ ...base, response_type: 'code', code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' }).toString()}`,
    );
    expect(new URL(plain.location!).searchParams.get('error')).toBe('invalid_request');
    const implicit = await new TestBrowser(auth.base).request(
      'GET',
      `/oauth/authorize?${new URLSearchParams({ ...base, response_type: 'id_token token', nonce: 'n' }).toString()}`,
    );
    expect(implicit.location).toBeDefined();
    expect(new URL(implicit.location!.replace('#', '?')).searchParams.get('error')).toBe('unsupported_response_type');
  });

  it('never redirects to a redirect URI that is not registered exactly', async () => {
    const config = await configFor(confidential.client_id, confidential.client_secret);
    for (const variant of [
      `${REDIRECT}/`,
      `${REDIRECT}?x=1`,
      'https://APP.example/callback',
      'https://evil.example/callback',
    ]) {
      const started = await start(config, variant, 'openid');
      const hop = await new TestBrowser(auth.base).request('GET', started.url.href);
      expect(hop.status).toBe(400);
      expect(hop.location).toBeUndefined();
      expect(hop.headers.get('content-type')).toMatch(/^text\/html/);
      expect(hop.text).toContain('redirect_uri');
    }
  });

  it('matches a loopback redirect URI exactly, port included, and asks a first-party loopback client no consent', async () => {
    const loopback = 'http://127.0.0.1:4100/callback';
    const registered = await auth.app
      .get(OAuthClientsService, { strict: false })
      .register(
        { client_name: 'Local app', redirect_uris: [loopback], scope: 'openid email', first_party: true },
        { allowLoopbackHttp: true },
      );
    const config = await configFor(registered.client_id, registered.client_secret);
    for (const variant of [
      'http://127.0.0.1:4101/callback',
      'http://127.0.0.1/callback',
      'http://localhost:4100/callback',
    ]) {
      const hop = await new TestBrowser(auth.base).request('GET', (await start(config, variant, 'openid')).url.href);
      expect(hop.status).toBe(400);
      expect(hop.location).toBeUndefined();
    }
    const email = await newUser();
    const browser = new TestBrowser(auth.base);
    const started = await start(config, loopback, 'openid email');
    const back = await authorize(browser, started, email);
    // Straight back from the sign-in page, with no consent page between.
    expect(back.status).toBe(303);
    expect(back.location).toMatch(/^http:\/\/127\.0\.0\.1:4100\/callback\?code=/);
    // Signed in: prompt=none answers with a code too.
    const silent = await start(config, loopback, 'openid email', { prompt: 'none' });
    const again = await browser.navigate(silent.url.href);
    expect(new URL(again.location!).searchParams.get('code')).toMatch(/.+/);
  });

  it('refuses a wrong code_verifier, and a replayed code revokes what its first use issued', async () => {
    const email = await newUser();
    const config = await configFor(confidential.client_id, confidential.client_secret);
    const browser = new TestBrowser(auth.base);
    const started = await start(config, REDIRECT, 'openid orders:read');
    const back = await authorize(browser, started, email);
    const callback = new URL(back.location!);
    await expect(
      client.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: client.randomPKCECodeVerifier(),
        expectedState: started.state,
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });

    const second = await start(config, REDIRECT, 'openid orders:read');
    const back2 = await authorize(browser, second);
    const tokens = await client.authorizationCodeGrant(config, new URL(back2.location!), {
      pkceCodeVerifier: second.verifier,
      expectedState: second.state,
      expectedNonce: second.nonce,
    });
    expect((await auth.call('GET', '/auth/me', { token: tokens.access_token })).status).toBe(200);
    await expect(
      client.authorizationCodeGrant(config, new URL(back2.location!), {
        pkceCodeVerifier: second.verifier,
        expectedState: second.state,
        expectedNonce: second.nonce,
      }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    const jti = String(decodeJwt(tokens.access_token).jti);
    expect(await auth.revocationEntry(RevocationKeys.jti(jti), REVOCATION_PUBLISH_MS)).toBeDefined();
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('refuses a sign-in POST without the CSRF value or from another origin, signing nobody in', async () => {
    const email = await newUser();
    const config = await configFor(confidential.client_id, confidential.client_secret);
    const browser = new TestBrowser(auth.base);
    const started = await start(config, REDIRECT, 'openid');
    const page = await browser.navigate(started.url.href);
    const { action, csrf } = TestBrowser.form(page);
    const noCsrf = await browser.request('POST', action, { email, password });
    expect(noCsrf.status).toBe(403);
    const wrongCsrf = await browser.request('POST', action, { csrf: `${csrf}x`, email, password });
    expect(wrongCsrf.status).toBe(403);
    const crossSite = await browser.request(
      'POST',
      action,
      { csrf, email, password },
      { origin: 'https://evil.example' },
    );
    expect(crossSite.status).toBe(403);
    for (const hop of [noCsrf, wrongCsrf, crossSite]) {
      expect(hop.location).toBeUndefined();
      expect(hop.text).not.toContain(email);
    }
    // Still not signed in: prompt=none says so.
    const check = await start(config, REDIRECT, 'openid', { prompt: 'none' });
    const back = await browser.navigate(check.url.href);
    expect(new URL(back.location!).searchParams.get('error')).toBe('login_required');
  });

  it('shows a wrong password on the page as a 401, and the same page for an unknown account', async () => {
    const email = await newUser();
    const config = await configFor(confidential.client_id, confidential.client_secret);
    const browser = new TestBrowser(auth.base);
    const page = await browser.navigate((await start(config, REDIRECT, 'openid')).url.href);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('cache-control')).toBe('no-store');
    // A page the provider itself answers carries the request id like every other answer.
    const authorizeHop = await new TestBrowser(auth.base).request(
      'GET',
      (await start(config, REDIRECT, 'openid')).url.href,
    );
    expect(authorizeHop.headers.get('x-request-id')).toMatch(/.+/);
    expect(authorizeHop.headers.get('x-content-type-options')).toBe('nosniff');
    const wrong = await browser.signIn(page, email, 'not the password at all');
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('The email or password is not right.');
    const unknown = await browser.signIn(wrong, 'nobody@example.com', password);
    expect(unknown.status).toBe(401);
    expect(unknown.text).toContain('The email or password is not right.');
  });

  it('asks consent once for a third-party client, names it, offers Deny, and keeps admin out of its token', async () => {
    const email = await newUser();
    const config = await configFor(thirdParty.client_id, thirdParty.client_secret);
    const browser = new TestBrowser(auth.base);
    const started = await start(config, 'https://partner.example/cb', 'openid orders:read');
    let hop = await browser.navigate(started.url.href);
    hop = await browser.navigate('', await browser.signIn(hop, email, password));
    expect(hop.status).toBe(200);
    expect(hop.text).toContain('Partner &#60;b&#62;shop&#60;/b&#62; wants to access your Tessera account');
    expect(hop.text).toContain('See your orders');
    const { action, csrf } = TestBrowser.form(hop);
    const denied = await browser.navigate('', await browser.request('POST', action, { csrf, decision: 'deny' }));
    expect(new URL(denied.location!).searchParams.get('error')).toBe('access_denied');

    const again = await start(config, 'https://partner.example/cb', 'openid orders:read');
    let page = await browser.navigate(again.url.href);
    expect(page.text).toContain('wants to access');
    const form = TestBrowser.form(page);
    page = await browser.navigate(
      '',
      await browser.request('POST', form.action, { csrf: form.csrf, decision: 'allow' }),
    );
    const tokens = await client.authorizationCodeGrant(config, new URL(page.location!), {
      pkceCodeVerifier: again.verifier,
      expectedState: again.state,
      expectedNonce: again.nonce,
    });
    expect(decodeJwt(tokens.access_token)).toMatchObject({ roles: ['user'], client_id: thirdParty.client_id });

    // Remembered: the same scopes again go straight back to the client.
    const third = await start(config, 'https://partner.example/cb', 'openid orders:read');
    const straight = await browser.navigate(third.url.href);
    expect(straight.location).toMatch(/^https:\/\/partner\.example\/cb\?code=/);
    // More scopes: asked again.
    const more = await start(config, 'https://partner.example/cb', 'openid profile orders:read');
    expect((await browser.navigate(more.url.href)).text).toContain('See your display name');
  });

  it('ends what a client holds when an operator removes it: sessions, access tokens, sign-ins', async () => {
    const registry = auth.app.get(OAuthClientsService, { strict: false });
    const doomed = await registry.register(
      {
        client_name: 'Doomed',
        redirect_uris: ['https://doomed.example/cb'],
        grant_types: ['authorization_code', 'refresh_token'],
        scope: 'openid orders:read',
        first_party: true,
      },
      { allowLoopbackHttp: true },
    );
    const config = await configFor(doomed.client_id, doomed.client_secret);
    const email = await newUser();
    const started = await start(config, 'https://doomed.example/cb', 'openid orders:read');
    const back = await authorize(new TestBrowser(auth.base), started, email);
    const tokens = await client.authorizationCodeGrant(config, new URL(back.location!), {
      pkceCodeVerifier: started.verifier,
      expectedState: started.state,
      expectedNonce: started.nonce,
    });
    await registry.removeBy({ subject: 'operator' }, doomed.client_id);
    const jti = String(decodeJwt(tokens.access_token).jti);
    expect(await auth.revocationEntry(RevocationKeys.jti(jti), REVOCATION_PUBLISH_MS)).toBeDefined();
    // Its secret authenticates nothing any more: the refresh is 401 invalid_client.
    const refreshed = await auth.call('POST', '/oauth/token', {
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }).toString(),
      contentType: 'application/x-www-form-urlencoded',
      headers: {
        authorization: `Basic ${Buffer.from(`${doomed.client_id}:${doomed.client_secret}`).toString('base64')}`,
      },
    });
    expect(refreshed.status).toBe(401);
    expect(refreshed.body).toMatchObject({ error: 'invalid_client' });
    const again = await new TestBrowser(auth.base).request(
      'GET',
      (await start(config, 'https://doomed.example/cb', 'openid')).url.href,
    );
    expect(again.status).toBe(400);
    expect(again.location).toBeUndefined();
  });

  it('ends single sign-on when the user signs out everywhere', async () => {
    const email = await newUser();
    const { config, tokens, browser } = await codeFlow(email);
    expect((await auth.call('POST', '/auth/logout-all', { token: tokens.access_token })).status).toBe(204);
    const check = await start(config, REDIRECT, 'openid', { prompt: 'none' });
    expect(new URL((await browser.navigate(check.url.href)).location!).searchParams.get('error')).toBe(
      'login_required',
    );
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('logs out: the auth session ends and every token issued in it is revoked', async () => {
    const email = await newUser();
    const { config, tokens, browser } = await codeFlow(email);
    const logoutUrl = client.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: 'https://app.example/bye',
      state: 'bye',
    });
    const confirm = await browser.navigate(logoutUrl.href);
    expect(confirm.status).toBe(200);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirm.text)![1];
    const done = await browser.request('POST', '/oauth/logout/confirm', { xsrf, logout: 'yes' });
    expect(done.location).toBe('https://app.example/bye?state=bye');
    const jti = String(decodeJwt(tokens.access_token).jti);
    expect(await auth.revocationEntry(RevocationKeys.jti(jti), REVOCATION_PUBLISH_MS)).toBeDefined();
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    const check = await start(config, REDIRECT, 'openid', { prompt: 'none' });
    expect(new URL((await browser.navigate(check.url.href)).location!).searchParams.get('error')).toBe(
      'login_required',
    );
  });

  it.each([
    ['RSA-OAEP-256', 'RSA-OAEP-256' as const, { modulusLength: 2048 }],
    ['ECDH-ES', 'ECDH-ES' as const, { crv: 'P-256' }],
  ])('encrypts the ID token for a client that registered an %s key: a nested JWT', async (_name, alg, options) => {
    const keys = await generateKeyPair(alg, { ...options, extractable: true });
    const jwk = { ...(await exportJWK(keys.publicKey)), use: 'enc', kid: 'rp-enc-1' };
    const registered = await auth.app.get(OAuthClientsService, { strict: false }).register(
      {
        client_name: `Encrypted ${alg}`,
        redirect_uris: ['https://secret.example/cb'],
        scope: 'openid email',
        first_party: true,
        jwks: { keys: [jwk] },
        id_token_encrypted_response_alg: alg,
        id_token_encrypted_response_enc: 'A256GCM',
      },
      { allowLoopbackHttp: true },
    );
    const config = await configFor(registered.client_id, registered.client_secret);
    client.enableDecryptingResponses(config, ['A256GCM'], { key: keys.privateKey, alg, kid: 'rp-enc-1' });
    const email = await newUser();
    const started = await start(config, 'https://secret.example/cb', 'openid email');
    const back = await authorize(new TestBrowser(auth.base), started, email);
    const response = await fetchApp(`${issuer}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${registered.client_id}:${registered.client_secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: new URL(back.location!).searchParams.get('code')!,
        redirect_uri: 'https://secret.example/cb',
        code_verifier: started.verifier,
      }).toString(),
    });
    const body = (await response.json()) as { id_token: string; access_token: string };
    // Five parts: a JWE, whose header names the client's key and the algorithms it registered.
    expect(body.id_token.split('.')).toHaveLength(5);
    expect(decodeProtectedHeader(body.id_token)).toMatchObject({ alg, enc: 'A256GCM', kid: 'rp-enc-1', cty: 'JWT' });
    // The access token is for the services, never encrypted for the client.
    expect(body.access_token.split('.')).toHaveLength(3);

    // openid-client decrypts and verifies it through the same flow.
    const again = await start(config, 'https://secret.example/cb', 'openid email');
    const back2 = await authorize(new TestBrowser(auth.base), again, email);
    const tokens = await client.authorizationCodeGrant(config, new URL(back2.location!), {
      pkceCodeVerifier: again.verifier,
      expectedState: again.state,
      expectedNonce: again.nonce,
    });
    expect(tokens.claims()).toMatchObject({ email, aud: registered.client_id, nonce: again.nonce });
  });
});

// One lock for the API and the page: failures at POST /auth/login count on the sign-in page too.
describe.each(testDatabaseTargets())('the sign-in page under the sign-in limits on $name', (target) => {
  let auth: AuthAppFixture;

  beforeAll(async () => {
    auth = await startAuthApp(target, {
      env: { LOGIN_ACCOUNT_MAX_FAILURES: '3', LOGIN_LOCKOUT_BASE_SECONDS: '60', LOGIN_LOCKOUT_MAX_SECONDS: '60' },
    });
  });

  afterAll(async () => {
    await auth?.close();
  });

  it('answers 429 with Retry-After and a retry-later message while the account is locked, even with the right password', async () => {
    const email = 'locked-page@example.com';
    expect((await auth.call('POST', '/auth/register', { body: { email, password } })).status).toBe(201);
    const registry = auth.app.get(OAuthClientsService, { strict: false });
    const registered = await registry.register(
      { client_name: 'Lock test', redirect_uris: [REDIRECT], scope: 'openid', first_party: true },
      { allowLoopbackHttp: true },
    );
    // Two failures through the API, the third on the page: the lock is shared.
    for (let i = 0; i < 2; i++) {
      const res = await auth.call('POST', '/auth/login', { body: { email, password: 'wrong password here' } });
      expect(res.status).toBe(401);
    }
    const browser = new TestBrowser(auth.base);
    const config = await client.discovery(
      new URL(issuer),
      registered.client_id,
      registered.client_secret,
      client.ClientSecretBasic(registered.client_secret),
      { execute: [client.allowInsecureRequests], [client.customFetch]: fetchToApp(auth.base) },
    );
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: 'locked',
    });
    const page = await browser.navigate(url.href);
    const third = await browser.signIn(page, email, 'wrong password again');
    expect(third.status).toBe(401);
    const locked = await browser.signIn(third, email, password);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(locked.text).toContain('Too many failed sign-in attempts. Try again later.');
    expect(locked.location).toBeUndefined();
    // The API says the same.
    expect((await auth.call('POST', '/auth/login', { body: { email, password } })).status).toBe(429);
  });
});
