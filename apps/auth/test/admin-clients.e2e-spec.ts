import { createHash } from 'node:crypto';

import { testDatabaseTargets } from '@tessera/platform/testing';
import { decodeJwt } from 'jose';

import { oauthClients } from '../src/database/schema';
import type { AuthAppFixture, CallOptions } from './auth-app.fixture';
import { startAuthApp } from './auth-app.fixture';

const adminEmail = 'root@example.com';
const adminPassword = 'the first admin passphrase';
const password = 'correct horse battery staple';
const UNKNOWN_ID = '0'.repeat(32);

const planner = {
  client_name: 'Retirement planner',
  redirect_uris: ['https://planner.example.com/callback'],
  post_logout_redirect_uris: ['https://planner.example.com/'],
  grant_types: ['authorization_code', 'refresh_token'],
  scope: 'openid profile email',
};

// `POST/GET/DELETE /admin/clients` (README.md, "Registering an application"): RFC 7591 metadata
// in, the secret shown once, RFC 7591 §3.2.2 errors, admins only, audited.
describe.each(testDatabaseTargets())('auth /admin/clients on $name', (target) => {
  let auth: AuthAppFixture;
  let admin: string;
  let user: string;

  beforeAll(async () => {
    auth = await startAuthApp(target, { env: { ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: adminPassword } });
    admin = await login(adminEmail, adminPassword);
    expect((await auth.call('POST', '/auth/register', { body: { email: 'ada@example.com', password } })).status).toBe(
      201,
    );
    user = await login('ada@example.com', password);
    // PGlite start-up and three argon2 hashes are slow on a loaded machine.
  }, 60_000);

  afterAll(async () => {
    await auth?.close();
  });

  async function login(email: string, pw: string): Promise<string> {
    const res = await auth.call('POST', '/auth/login', { body: { email, password: pw } });
    expect(res.status).toBe(200);
    return res.body.access_token as string;
  }

  const register = (body: unknown, options: CallOptions = {}) =>
    auth.call('POST', '/admin/clients', { token: admin, body, ...options });
  const list = async () => {
    const res = await auth.call('GET', '/admin/clients', { token: admin });
    expect(res.status).toBe(200);
    return res;
  };
  const audit = (type: string, expected: number) => auth.streamedEvents(`auth.audit.${type}.v1`, expected);

  it('registers a confidential client: 201 with its id and its secret, shown this once', async () => {
    const res = await register(planner);
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      ...planner,
      client_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      client_id_issued_at: expect.any(Number),
      client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      client_secret_expires_at: 0,
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      first_party: false,
    });
    const { client_id: id, client_secret: secret } = res.body as { client_id: string; client_secret: string };
    expect(Math.abs((res.body.client_id_issued_at as number) - Date.now() / 1000)).toBeLessThan(60);

    // Never again: not in the list, not in the client, only its SHA-256 in the database.
    const listed = await list();
    expect(listed.headers.get('cache-control')).toBe('no-store');
    expect(listed.body).toEqual(expect.arrayContaining([expect.objectContaining({ client_id: id })]));
    const shown = await auth.call('GET', `/admin/clients/${id}`, { token: admin });
    expect(shown.status).toBe(200);
    expect(shown.headers.get('cache-control')).toBe('no-store');
    const { client_secret: _secret, client_secret_expires_at: _expiry, ...view } = res.body;
    expect(shown.body).toEqual(view);
    const hash = createHash('sha256').update(secret).digest('hex');
    for (const text of [listed.text, shown.text]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(hash);
      expect(text).not.toMatch(/"client_secret"|secret_?hash/i);
    }
    const rows = await auth.db.select().from(oauthClients);
    expect(rows.find((r) => r.clientId === id)?.secretHash).toBe(hash);
    expect(JSON.stringify(rows)).not.toContain(secret);
  });

  it('registers a public client without a secret, ignoring metadata it does not know', async () => {
    const res = await register({
      client_name: 'Mobile app',
      redirect_uris: ['com.example.app:/callback', 'http://127.0.0.1:8080/callback'],
      token_endpoint_auth_method: 'none',
      first_party: true,
      logo_uri: 'https://app.example.com/logo.png',
      software_id: 'tessera-mobile',
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      client_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      client_id_issued_at: expect.any(Number),
      client_name: 'Mobile app',
      redirect_uris: ['com.example.app:/callback', 'http://127.0.0.1:8080/callback'],
      post_logout_redirect_uris: [],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      scope: 'openid',
      first_party: true,
    });
  });

  it.each([
    [
      'a fragment',
      { redirect_uris: ['https://planner.example.com/cb#x'] },
      'redirect_uris[0] must not have a fragment.',
    ],
    [
      'a plain-http host',
      { redirect_uris: ['http://planner.example.com/cb'] },
      'redirect_uris[0] must use https; http only for 127.0.0.1, [::1] or localhost in development.',
    ],
    ['no redirect URI', { redirect_uris: [] }, 'redirect_uris is required with the authorization_code grant.'],
    [
      'a javascript: post-logout URI',
      { post_logout_redirect_uris: ['javascript:alert(1)'] },
      'post_logout_redirect_uris[0] must use https, or a reverse-domain private-use scheme for a native app (com.example.app:/callback).',
    ],
  ])('answers %s with 400 invalid_redirect_uri (RFC 7591 §3.2.2)', async (_case, change, description) => {
    const before = (await list()).body;
    const res = await register({ ...planner, ...change });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({ error: 'invalid_redirect_uri', error_description: description });
    expect((await list()).body).toEqual(before);
  });

  it.each([
    ['no client_name', { ...planner, client_name: undefined }],
    ['a null client_name', { ...planner, client_name: null }],
    ['the client_credentials grant', { ...planner, grant_types: ['client_credentials'] }],
    ['the implicit flow', { ...planner, response_types: ['token'] }],
    ['an unknown scope', { ...planner, scope: 'openid root' }],
    ['an unknown auth method', { ...planner, token_endpoint_auth_method: 'private_key_jwt' }],
    ['jwks_uri, which is not supported', { ...planner, jwks_uri: 'https://planner.example.com/jwks' }],
    ['no body at all', undefined],
    ['a JSON array', [planner]],
    ['a JSON string', JSON.stringify('planner')],
    ['JSON null', 'null'],
  ])('answers %s with 400 invalid_client_metadata', async (_case, body) => {
    const res = await register(body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toEqual({ error: 'invalid_client_metadata', error_description: expect.any(String) });
    expect(res.body.error_description).not.toMatch(/private_key_jwt|root|planner\.example/);
  });

  it('refuses a form, a text body, unparsable JSON and an oversized body before reading them', async () => {
    const form = await register('client_name=Planner&redirect_uris=https%3A%2F%2Fplanner.example.com%2Fcb', {
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
    expect(form.body).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    expect((await register('{}', { contentType: 'text/plain' })).status).toBe(415);
    const unparsable = await register('{"client_name":');
    expect(unparsable.status).toBe(400);
    expect(unparsable.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const huge = await register({ ...planner, client_name: 'x'.repeat(100_000) });
    expect(huge.status).toBe(413);
    expect(JSON.stringify((await list()).body)).not.toContain('xxxx');
  });

  it('answers 401 without a token and 403 insufficient_scope to a user, on every route', async () => {
    const id = ((await list()).body as unknown as { client_id: string }[])[0].client_id;
    const routes: [string, string, unknown?][] = [
      ['POST', '/admin/clients', planner],
      ['GET', '/admin/clients'],
      ['GET', `/admin/clients/${id}`],
      ['DELETE', `/admin/clients/${id}`],
    ];
    for (const [method, path, body] of routes) {
      const anonymous = await auth.call(method, path, { body });
      expect({ method, path, status: anonymous.status }).toEqual({ method, path, status: 401 });
      const res = await auth.call(method, path, { body, token: user });
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 });
      expect(res.body).toMatchObject({ status: 403, code: 'insufficient_scope' });
    }
    expect((await auth.call('GET', `/admin/clients/${id}`, { token: admin })).status).toBe(200);
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    for (const method of ['GET', 'DELETE']) {
      const unknown = await auth.call(method, `/admin/clients/${UNKNOWN_ID}`, { token: admin });
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({ status: 404, code: 'client_not_found' });
      for (const malformed of ['not-a-client', UNKNOWN_ID.toUpperCase().replace(/0/g, 'A')]) {
        const res = await auth.call(method, `/admin/clients/${malformed}`, { token: admin });
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ status: 400, code: 'validation_failed' });
      }
    }
  });

  it('removes a client: 204, then 404 and gone from the list; audited with the admin, never the secret', async () => {
    const created = await register({ ...planner, client_name: 'Short-lived' });
    expect(created.status).toBe(201);
    const id = created.body.client_id as string;
    const removed = await auth.call('DELETE', `/admin/clients/${id}`, { token: admin });
    expect(removed.status).toBe(204);
    expect(removed.headers.get('cache-control')).toBe('no-store');
    expect(removed.text).toBe('');
    expect((await auth.call('GET', `/admin/clients/${id}`, { token: admin })).status).toBe(404);
    expect((await auth.call('DELETE', `/admin/clients/${id}`, { token: admin })).status).toBe(404);
    expect(JSON.stringify((await list()).body)).not.toContain(id);

    const sub = decodeJwt(admin).sub;
    const address = expect.stringMatching(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
    const registeredEvents = await audit('client_registered', 3);
    expect(registeredEvents).toContainEqual({
      type: 'client_registered',
      occurredAt: expect.any(String),
      subject: sub,
      clientAddress: address,
      details: { clientId: id, clientName: 'Short-lived' },
    });
    expect(await audit('client_removed', 1)).toEqual([
      {
        type: 'client_removed',
        occurredAt: expect.any(String),
        subject: sub,
        clientAddress: address,
        details: { clientId: id, clientName: 'Short-lived' },
      },
    ]);
    // One record per registration that succeeded: the refused ones left none.
    expect(registeredEvents.map((e) => (e.details as { clientName: string }).clientName)).toEqual([
      'Retirement planner',
      'Mobile app',
      'Short-lived',
    ]);
    expect(JSON.stringify(registeredEvents)).not.toContain(created.body.client_secret as string);
  });
});
