import { request as httpRequest } from 'node:http';

import { testDatabaseTargets } from '@tessera/platform/testing';

import { expectProblem } from './support/expect';
import { type Answer, freshAddress, startSystem, type SecuritySystem } from './support/system';

type AppName = keyof SecuritySystem['urls'];
const APPS: AppName[] = ['auth', 'orders', 'profile'];

/** `[[[…]]]` this many levels deep (2 bytes a level): 9,000 levels is about 18 KB, well under the body limit. */
const deepArray = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

/**
 * What reaches the apps before any route: bodies the parser must refuse (nesting, NUL
 * characters), headers too large for HTTP, and methods a path does not have. Each answer is a
 * problem+json refusal, never a 500 nor a reset connection, and the app stays ready.
 */
describe.each(testDatabaseTargets().slice(-1))('the HTTP edge on $name', (target) => {
  let s: SecuritySystem;

  beforeAll(async () => {
    s = await startSystem(target, { services: true });
    // Three apps, each booting its own database, on a 2-core machine that may be busy.
  }, 180_000);

  afterAll(() => s?.close());

  const expectReady = async (app: AppName) => {
    expect((await s.call(app, 'GET', '/health/ready')).status).toBe(200);
  };

  describe('bodies', () => {
    it.each<[AppName, string, string, string]>([
      ['auth', 'POST', '/auth/login', `{"email":${deepArray(9000)},"password":"x"}`],
      ['auth', 'POST', '/auth/register', `{"email":"a@b.test","password":"x","displayName":${deepArray(65)}}`],
      ['orders', 'POST', '/orders', `{"items":${deepArray(9000)}}`],
      ['profile', 'PATCH', '/profile/me', `{"shippingAddress":${deepArray(9000)}}`],
    ])(
      '%s %s %s nested deeper than 64 levels: 400 bad_request, before any guard, and still ready',
      async (app, method, path, body) => {
        const res = await s.call(app, method, path, { body, from: freshAddress() });
        expectProblem(res, 400, 'bad_request');
        expect(res.body.detail).toBe('The request body nests objects or arrays deeper than 64 levels.');
        await expectReady(app);
      },
    );

    it('64 levels are still parsed (and then judged by validation)', async () => {
      const res = await s.call('auth', 'POST', '/auth/login', {
        body: `{"email":${deepArray(63)}}`,
        from: freshAddress(),
      });
      expectProblem(res, 400, 'validation_failed');
    });

    const nulDetail = 'The request body contains a NUL character (U+0000), which no field may hold.';

    it.each<[string, Record<string, unknown>]>([
      ['display name', { displayName: 'Mallory\u0000' }],
      ['email', { email: 'nul\u0000@security.test' }],
      ['password', { password: 'correct horse\u0000battery staple' }],
      ['field name', { ['display\u0000Name']: 'Mallory' }],
    ])(
      'registering with a NUL character in the %s: 400 bad_request, no account, still ready',
      async (_name, change) => {
        const email = `nul-${Date.now()}-${Math.random()}@security.test`;
        const body = { email, password: 'correct horse battery staple', ...change };
        const res = await s.call('auth', 'POST', '/auth/register', { body, from: freshAddress() });
        expectProblem(res, 400, 'bad_request');
        expect(res.body.detail).toBe(nulDetail);
        expect(await s.authSql(`select id from users where email like 'nul-%'`)).toEqual([]);
        await expectReady('auth');
      },
    );

    it('a NUL character in a profile update or an order: 400 bad_request, nothing stored, still ready', async () => {
      const user = await s.session();
      const address = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
      for (const body of [
        { displayName: 'Mallory\u0000' },
        { shippingAddress: { ...address, line2: '\u0000' } },
        { shippingAddress: { ...address, city: 'Spring\u0000field' } },
      ]) {
        const res = await s.call('profile', 'PATCH', '/profile/me', { body, token: user.access });
        expectProblem(res, 400, 'bad_request');
        expect(res.body.detail).toBe(nulDetail);
      }
      const me = await s.call('profile', 'GET', '/profile/me', { token: user.access });
      expect(me.text).not.toContain('\\u0000');
      const order = await s.call('orders', 'POST', '/orders', {
        body: { items: [{ sku: 'SKU\u0000', quantity: 1, unitPriceCents: 100 }] },
        token: user.access,
      });
      expectProblem(order, 400, 'bad_request');
      await expectReady('profile');
      await expectReady('orders');
    });

    it.each<[AppName, string, string, Record<string, unknown>]>([
      ['auth', 'POST', '/auth/login', { email: 'a\ud800@security.test', password: 'correct horse battery staple' }],
      ['auth', 'POST', '/auth/register', { email: 'lone@security.test', password: 'x\udc00'.repeat(12) }],
      ['profile', 'PATCH', '/profile/me', { displayName: 'Mallory\ud800' }],
      ['orders', 'POST', '/orders', { items: [{ sku: '\udbff', quantity: 1, unitPriceCents: 100 }] }],
    ])(
      '%s %s %s with an unpaired surrogate (\\ud800): 400 bad_request, not a 500 from a validator, still ready',
      async (app, method, path, body) => {
        const token = app === 'auth' ? undefined : (await s.session()).access;
        const res = await s.call(app, method, path, { body, token, from: freshAddress() });
        expectProblem(res, 400, 'bad_request');
        expect(res.body.detail).toBe(
          'The request body contains an unpaired UTF-16 surrogate (e.g. \\ud800), which is no character.',
        );
        await expectReady(app);
      },
    );
  });

  describe('paths', () => {
    it.each<[AppName, string]>([
      ['auth', '/admin/users/'],
      ['orders', '/orders/'],
      ['profile', '/profiles/'],
    ])('%s %s with an overlong id or broken percent-encoding: a 414 or 400 problem', async (app, prefix) => {
      const admin = (await s.login(s.admin)).access;
      const method = app === 'auth' ? 'PATCH' : 'GET';
      const long = await s.call(app, method, `${prefix}${'x'.repeat(101)}`, { token: admin });
      expectProblem(long, 414, 'uri_too_long');
      const broken = await s.call(app, method, `${prefix}%E0%A4%A`, { token: admin });
      expectProblem(broken, 400, 'bad_request');
      await expectReady(app);
    });
  });

  describe('headers', () => {
    /** One request with a 64 KB Authorization header; a reset connection is an answer of status 0. */
    const oversized = (app: AppName, path: string): Promise<Answer> => {
      const url = new URL(path, s.urls[app]);
      return new Promise((resolve) => {
        const req = httpRequest(
          { host: url.hostname, port: url.port, path, headers: { authorization: `Bearer ${'a'.repeat(64 * 1024)}` } },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => {
              let body: Record<string, unknown> = {};
              try {
                body = JSON.parse(text) as Record<string, unknown>;
              } catch {
                // Not JSON: the assertions below say so.
              }
              resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
            });
          },
        );
        req.setTimeout(10_000, () => req.destroy());
        req.on('error', () => resolve({ status: 0, headers: {}, text: '', body: {} }));
        req.end();
      });
    };

    it.each<[AppName, string]>([
      ['auth', '/auth/me'],
      ['orders', '/orders'],
      ['profile', '/profile/me'],
    ])(
      '%s: a 64 KB Authorization header on %s is answered 431 problem+json, every time, and the app stays ready',
      async (app, path) => {
        for (let i = 0; i < 5; i++) {
          const res = await oversized(app, path);
          expectProblem(res, 431, 'request_header_fields_too_large');
          expect(res.headers.connection).toBe('close');
        }
        await expectReady(app);
      },
    );
  });

  describe('methods', () => {
    it.each<[AppName, string, string, string]>([
      ['auth', 'PUT', '/auth/login', 'POST'],
      ['auth', 'GET', '/auth/logout', 'POST'],
      ['auth', 'DELETE', '/auth/me', 'GET, HEAD'],
      ['auth', 'POST', '/.well-known/jwks.json', 'GET, HEAD'],
      ['orders', 'DELETE', '/orders', 'GET, HEAD, POST'],
      ['orders', 'PUT', '/orders/7d3e2c1a-0000-4000-8000-000000000000', 'GET, HEAD'],
      ['profile', 'POST', '/profile/me', 'GET, HEAD, PATCH'],
      ['profile', 'DELETE', '/health/ready', 'GET, HEAD'],
    ])('%s %s %s: 405 with Allow: %s', async (app, method, path, allow) => {
      const res = await s.call(app, method, path, { body: method === 'GET' || method === 'DELETE' ? undefined : {} });
      expectProblem(res, 405, 'method_not_allowed');
      expect(res.headers.allow).toBe(allow);
      await expectReady(app);
    });

    it.each(APPS)('%s: an unknown path is still a 404 without Allow, whatever the method', async (app) => {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const res = await s.call(app, method, '/no-such-path');
        expectProblem(res, 404, 'not_found');
        expect(res.headers.allow).toBeUndefined();
      }
    });
  });
});
