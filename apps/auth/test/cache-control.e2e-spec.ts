import { testDatabaseTargets } from '@tessera/platform/testing';

import type { AuthAppFixture, AuthResponse } from './auth-app.fixture';
import { startAuthApp } from './auth-app.fixture';

const adminEmail = 'cache.root@example.com';
const adminPassword = 'the first admin passphrase';
const password = 'correct horse battery staple';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

describe.each(testDatabaseTargets())('Cache-Control of auth on $name', (target) => {
  let auth: AuthAppFixture;

  beforeAll(async () => {
    auth = await startAuthApp(target, { env: { ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: adminPassword } });
  });

  afterAll(() => auth?.close());

  async function login(email: string, pw: string): Promise<{ access: string; cookie: string }> {
    const res = await auth.call('POST', '/auth/login', { body: { email, password: pw } });
    expect(res.status).toBe(200);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
    return { access: res.body.access_token as string, cookie };
  }

  const expectNoStore = (answers: AuthResponse[], statuses: number[]) => {
    expect(answers.map((r) => r.status)).toEqual(statuses);
    for (const res of answers) {
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  };

  it('is no-store on every answer to a request with a token: /auth/me, sessions, admin, refusals included', async () => {
    expect(
      (await auth.call('POST', '/auth/register', { body: { email: 'cache.user@example.com', password } })).status,
    ).toBe(201);
    const user = await login('cache.user@example.com', password);
    const admin = await login(adminEmail, adminPassword);
    expectNoStore(
      [
        await auth.call('GET', '/auth/me', { token: user.access }),
        await auth.call('GET', '/auth/sessions', { token: user.access }),
        await auth.call('DELETE', `/auth/sessions/${UNKNOWN_ID}`, { token: user.access }),
        await auth.call('GET', '/admin/users', { token: admin.access }),
        await auth.call('PATCH', `/admin/users/${UNKNOWN_ID}`, { token: admin.access, body: { disabled: true } }),
        await auth.call('GET', '/admin/users', { token: user.access }),
        await auth.call('POST', '/admin/clients', { token: admin.access, body: { client_name: 'Cache' } }),
        await auth.call('GET', '/admin/clients', { token: admin.access }),
        await auth.call('GET', `/admin/clients/${'0'.repeat(32)}`, { token: admin.access }),
        await auth.call('DELETE', '/admin/clients/not-an-id', { token: admin.access }),
        await auth.call('GET', '/auth/me', { token: 'not.a.token' }),
        await auth.call('POST', '/auth/password', { token: user.access, body: { currentPassword: password } }),
        await auth.call('POST', '/auth/logout', { token: user.access }),
        await auth.call('GET', '/auth/me', { token: user.access }),
      ],
      [200, 200, 404, 200, 404, 403, 400, 200, 404, 400, 401, 400, 204, 401],
    );
  });

  it('is no-store on the answers of the refresh cookie, a refused one included', async () => {
    const { cookie } = await login(adminEmail, adminPassword);
    expectNoStore(
      [
        await auth.call('POST', '/auth/refresh', { cookie, body: {} }),
        await auth.call('POST', '/auth/refresh', { cookie, body: {} }),
        await auth.call('POST', '/auth/refresh', { cookie: 'tessera_refresh=forged', body: {} }),
      ],
      [200, 401, 401],
    );
  });

  it('leaves the public answers as they were', async () => {
    for (const path of ['/.well-known/jwks.json', '/.well-known/openid-configuration']) {
      const res = await auth.call('GET', path);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    }
    const live = await auth.call('GET', '/health/live');
    expect(live.status).toBe(200);
    expect(live.headers.get('cache-control')).toBeNull();
  });
});
