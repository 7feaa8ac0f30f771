import { randomBytes } from 'node:crypto';

import { sharedSecretKid } from '@tessera/auth';
import { testDatabaseTargets } from '@tessera/platform/testing';
import { decodeJwt, decodeProtectedHeader } from 'jose';

import type { AuthAppFixture } from './auth-app.fixture';
import { startAuthApp } from './auth-app.fixture';

const adminEmail = 'root@example.com';
const adminPassword = 'the first admin passphrase';
const ordersSecret = randomBytes(32).toString('hex');

async function adminToken(auth: AuthAppFixture): Promise<string> {
  const res = await auth.call('POST', '/auth/login', { body: { email: adminEmail, password: adminPassword } });
  expect(res.status).toBe(200);
  return res.body.access_token as string;
}

async function serviceToken(auth: AuthAppFixture): Promise<string> {
  const res = await auth.call('POST', '/oauth/token', {
    body: { grant_type: 'client_credentials', client_id: 'orders', client_secret: ordersSecret, scope: 'profile:read' },
  });
  expect(res.status).toBe(200);
  return res.body.access_token as string;
}

const env = { ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: adminPassword, SERVICE_CLIENT_SECRET_ORDERS: ordersSecret };

// Signing algorithms (README.md): RS256 by default (the other suites), ES256 by configuration, and
// HS256 with one shared secret as an explicit mode that never mixes with key pairs.
describe.each(testDatabaseTargets())('signing modes on $name', (target) => {
  describe('AUTH_SIGNING_ALG=ES256', () => {
    let auth: AuthAppFixture;

    beforeAll(async () => {
      auth = await startAuthApp(target, { env: { ...env, AUTH_SIGNING_ALG: 'ES256' }, probe: { audience: 'orders' } });
    });

    afterAll(async () => {
      await auth?.close();
    });

    it('signs user and service tokens with a P-256 key that a second service accepts', async () => {
      const jwks = await auth.call('GET', '/.well-known/jwks.json');
      expect(jwks.body.keys).toEqual([
        {
          kty: 'EC',
          crv: 'P-256',
          x: expect.any(String),
          y: expect.any(String),
          kid: expect.any(String),
          alg: 'ES256',
          use: 'sig',
        },
      ]);
      const [{ kid }] = jwks.body.keys as { kid: string }[];
      const user = await adminToken(auth);
      expect(decodeProtectedHeader(user)).toEqual({ alg: 'ES256', kid, typ: 'at+jwt' });
      expect(await auth.probeVerdict(user, 'accepted')).toBe('accepted');
      // A service token is for the services its scopes name (profile), signed the same way.
      expect(decodeProtectedHeader(await serviceToken(auth))).toEqual({ alg: 'ES256', kid, typ: 'at+jwt' });
      const discovery = await auth.call('GET', '/.well-known/openid-configuration');
      expect(discovery.body.access_token_signing_alg_values_supported).toEqual(['ES256']);
    });

    it('rotates to another ES256 key, and refuses a rotation to RS256 that the next start would undo', async () => {
      const admin = await adminToken(auth);
      const refused = await auth.call('POST', '/admin/keys/rotate', { token: admin, body: { alg: 'RS256' } });
      expect(refused.status).toBe(400);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body).toMatchObject({ code: 'key_algorithm_mismatch', status: 400 });
      expect(refused.body.detail).toContain('AUTH_SIGNING_ALG');
      const rotated = await auth.call('POST', '/admin/keys/rotate', { token: admin, body: {} });
      expect(rotated.status).toBe(200);
      expect(rotated.body).toEqual({ kid: expect.any(String), alg: 'ES256' });
    });
  });

  describe('AUTH_SIGNING_ALG=HS256', () => {
    const secret = randomBytes(48).toString('base64');
    let auth: AuthAppFixture;

    beforeAll(async () => {
      auth = await startAuthApp(target, {
        env: { ...env, AUTH_SIGNING_ALG: 'HS256', AUTH_HS256_SECRET: secret },
        probe: { audience: 'orders', sharedSecret: secret },
      });
    });

    afterAll(async () => {
      await auth?.close();
    });

    it('signs with the shared secret; a service given the same secret accepts, auth verifies its own', async () => {
      const token = await adminToken(auth);
      expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', kid: sharedSecretKid(secret), typ: 'at+jwt' });
      expect(await auth.probeVerdict(token, 'accepted')).toBe('accepted');
      const me = await auth.call('GET', '/auth/me', { token });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ email: adminEmail, roles: expect.arrayContaining(['admin']) });
      const service = await serviceToken(auth);
      expect(decodeProtectedHeader(service).alg).toBe('HS256');
      expect(decodeJwt(service)).toMatchObject({ sub: 'client:orders', aud: ['profile'] });
    });

    it('publishes no key set and says HS256 in its discovery document', async () => {
      const jwks = await auth.call('GET', '/.well-known/jwks.json');
      expect(jwks.status).toBe(200);
      expect(jwks.body).toEqual({ keys: [] });
      expect(jwks.text).not.toContain(Buffer.from(secret).toString('base64url'));
      const discovery = await auth.call('GET', '/.well-known/openid-configuration');
      expect(discovery.body.access_token_signing_alg_values_supported).toEqual(['HS256']);
    });

    it('cannot rotate: the secret changes only by reconfiguring every service (409)', async () => {
      const res = await auth.call('POST', '/admin/keys/rotate', { token: await adminToken(auth), body: {} });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'key_rotation_unavailable', status: 409 });
      expect(res.text).not.toContain(secret);
    });

    it('a token signed with another secret is refused by auth and by the service', async () => {
      const other = await startAuthApp(target, {
        env: { ...env, AUTH_SIGNING_ALG: 'HS256', AUTH_HS256_SECRET: randomBytes(48).toString('base64') },
      });
      try {
        const foreign = await adminToken(other);
        expect(await auth.probeVerdict(foreign, 'refused')).toBe('refused');
        const me = await auth.call('GET', '/auth/me', { token: foreign });
        expect(me.status).toBe(401);
        expect(me.headers.get('www-authenticate')).toContain('error="invalid_token"');
      } finally {
        await other.close();
      }
    });
  });
});
