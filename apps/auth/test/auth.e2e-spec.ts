import { Kvm } from '@nats-io/kv';
import { createTestVerifier } from '@tessera/auth/testing';
import { Buckets, namespacedBucket } from '@tessera/contracts';
import { testDatabaseTargets } from '@tessera/platform/testing';
import { eq } from 'drizzle-orm';
import { decodeJwt, decodeProtectedHeader } from 'jose';

import { users } from '../src/database/schema';

import type { AuthAppFixture } from './auth-app.fixture';
import { startAuthApp } from './auth-app.fixture';

const password = 'correct horse battery staple';

for (const target of testDatabaseTargets()) {
  describe(`auth app on ${target.name}`, () => {
    let auth: AuthAppFixture;

    beforeAll(async () => {
      auth = await startAuthApp(target);
    });

    afterAll(async () => {
      await auth?.close();
    });

    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      auth.call('POST', path, { body, headers });

    async function login(email: string, pw: string) {
      return post('/auth/login', { email, password: pw });
    }

    async function accessToken(): Promise<string> {
      const res = await login('Ada@example.com', password);
      expect(res.status).toBe(200);
      return (JSON.parse(res.text) as { access_token: string }).access_token;
    }

    it('registers a user: 201 {id,email,roles}', async () => {
      const res = await post('/auth/register', { email: ' Ada@Example.COM ', password, displayName: 'Ada' });
      expect(res.status).toBe(201);
      expect(JSON.parse(res.text)).toEqual({ id: expect.any(String), email: 'Ada@Example.COM', roles: ['user'] });
      expect(res.text).not.toContain(password);
    });

    it.each(['password1234', '123456789012', '111111111111', 'qwertyuiop12', 'Common@Example.com'])(
      'refuses a common password or the email itself (%s): 400 password_too_common, no account',
      async (weak) => {
        const email = 'common@example.com';
        const res = await post('/auth/register', { email, password: weak });
        expect(res.status).toBe(400);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(JSON.parse(res.text)).toMatchObject({ status: 400, code: 'password_too_common' });
        expect(res.text).not.toContain(weak);
        expect(await auth.db.select({ id: users.id }).from(users).where(eq(users.email, email))).toEqual([]);
      },
    );

    it('refuses a second account for the same email: 409 email_taken', async () => {
      const res = await post('/auth/register', { email: 'Ada@example.com', password });
      expect(res.status).toBe(409);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(res.text)).toMatchObject({ status: 409, code: 'email_taken' });
    });

    it('lets one of two simultaneous registrations of an email win, the other 409', async () => {
      const body = { email: 'race@example.com', password };
      const statuses = (await Promise.all([post('/auth/register', body), post('/auth/register', body)])).map(
        (r) => r.status,
      );
      expect(statuses.sort()).toEqual([201, 409]);
    });

    it('refuses a registration that tries to set roles: 400 problem+json', async () => {
      const res = await post('/auth/register', { email: 'mallory@example.com', password, roles: ['admin'] });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = JSON.parse(res.text) as { errors: string[] };
      expect(problem).toMatchObject({ status: 400, code: 'validation_failed' });
      expect(problem.errors.join(' ')).toContain('roles');
      expect(res.text).not.toContain(password);
      expect((await login('mallory@example.com', password)).status).toBe(401);
    });

    it.each([
      ['a short password', { email: 'b@example.com', password: 'short' }],
      ['a password over 128 characters', { email: 'b@example.com', password: 'x'.repeat(129) }],
      ['an invalid email', { email: 'not-an-email', password }],
      ['an email over 254 characters', { email: `${'a'.repeat(250)}@example.com`, password }],
      ['a number for a password', { email: 'b@example.com', password: 123456789012 }],
      ['an empty display name', { email: 'b@example.com', password, displayName: '' }],
      ['a null display name', { email: 'null-name@example.com', password, displayName: null }],
      ['a display name as an array', { email: 'array-name@example.com', password, displayName: ['Ada'] }],
      ['a null email', { email: null, password }],
      ['an array body', []],
      ['a null body', null],
    ])('answers 400, never 500, for %s', async (_name, body) => {
      const res = await post('/auth/register', body);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });

    it('answers 400 for malformed JSON, 415 for a text body and 413 for a huge one', async () => {
      expect((await post('/auth/login', '{"email":')).status).toBe(400);
      expect((await post('/auth/login', 'email=a', { 'content-type': 'text/plain' })).status).toBe(415);
      const huge = await post('/auth/register', { email: 'big@example.com', password: 'x'.repeat(100_000) });
      expect(huge.status).toBe(413);
      expect(huge.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });

    it('accepts any Unicode password of 12 or more characters', async () => {
      const unicode = 'пароль🔑密码ß-é\u0301-12';
      expect((await post('/auth/register', { email: 'uni@example.com', password: unicode })).status).toBe(201);
      expect((await login('uni@example.com', unicode)).status).toBe(200);
    });

    it('logs in: 200 with a bearer access token and a refresh token, not cached', async () => {
      const res = await login('Ada@example.com', password);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = JSON.parse(res.text) as { access_token: string };
      expect(body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
        refresh_token: expect.any(String),
      });
      expect(decodeProtectedHeader(body.access_token)).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
      const claims = decodeJwt(body.access_token);
      expect(claims).toMatchObject({
        iss: 'http://auth.test',
        aud: ['auth', 'orders', 'profile'],
        roles: ['user'],
        client_id: 'tessera-web',
        scope: 'orders:read orders:write profile:read profile:write',
      });
      // No personal data: neither the e-mail (in any case) nor the display name; claim names only.
      expect(JSON.stringify(claims).toLowerCase()).not.toContain('ada@example.com');
      expect(Object.values(claims)).not.toContain('Ada');
      expect(Object.keys(claims).sort()).toEqual([
        'aud',
        'client_id',
        'exp',
        'iat',
        'iss',
        'jti',
        'nbf',
        'roles',
        'scope',
        'sub',
      ]);
    });

    it('gives a wrong password and an unknown email the identical 401', async () => {
      const wrong = await login('Ada@example.com', 'not the password at all');
      const unknown = await login('nobody@example.com', password);
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(unknown.text).toBe(wrong.text);
      for (const header of ['content-type', 'www-authenticate', 'cache-control']) {
        expect(unknown.headers.get(header)).toBe(wrong.headers.get(header));
      }
      expect(JSON.parse(wrong.text)).toMatchObject({ status: 401, code: 'invalid_credentials' });
    });

    it('serves the signing key in the JWKS, public members only, cacheable', async () => {
      const { kid } = decodeProtectedHeader(await accessToken());
      const res = await fetch(`${auth.base}/.well-known/jwks.json`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=300');
      const { keys } = (await res.json()) as { keys: Record<string, string>[] };
      const jwk = keys.find((k) => k.kid === kid);
      expect(jwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid });
      for (const key of keys) {
        expect(Object.keys(key).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
      }
    });

    it('has published the public key in the NATS key bucket, enough for another service to verify', async () => {
      const token = await accessToken();
      const { kid } = decodeProtectedHeader(token);
      const kv = await new Kvm(auth.nc).open(namespacedBucket(auth.namespace, Buckets.Keys));
      const jwk = (await kv.get(kid!))?.json<Record<string, string>>();
      expect(jwk).toEqual(expect.objectContaining({ kid, kty: 'RSA', alg: 'RS256', use: 'sig' }));
      expect(Object.keys(jwk!)).not.toContain('d');
      // What orders or profile does: verify locally with the key from the bucket, no call to auth.
      const { verifier } = createTestVerifier({ audience: 'orders', issuer: 'http://auth.test' }, [jwk]);
      await expect(verifier.verify(token)).resolves.toMatchObject({ sub: decodeJwt(token).sub, roles: ['user'] });
    });

    it('answers /auth/me for the token holder', async () => {
      const token = await accessToken();
      const res = await fetch(`${auth.base}/auth/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ id: decodeJwt(token).sub, email: 'Ada@Example.COM', roles: ['user'] });
    });

    it('refuses /auth/me without a token, with a Bearer challenge', async () => {
      const res = await fetch(`${auth.base}/auth/me`);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });

    it('refuses /auth/me with a tampered token', async () => {
      const [h, p, s] = (await accessToken()).split('.');
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
      const forged = Buffer.from(JSON.stringify({ ...claims, roles: ['admin'] })).toString('base64url');
      const res = await fetch(`${auth.base}/auth/me`, { headers: { authorization: `Bearer ${h}.${forged}.${s}` } });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    });

    it('is ready', async () => {
      const res = await fetch(`${auth.base}/health/ready`);
      expect(res.status).toBe(200);
    });
  });
}
