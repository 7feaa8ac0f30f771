import { testDatabaseTargets } from '@tessera/platform/testing';
import fc from 'fast-check';

import { expectNoLeak } from './support/expect';
import { type Answer, freshAddress, startSystem, type SecuritySystem } from './support/system';

const RUNS = 50;

/** Any JSON value, biased towards the shapes that break validators: operator objects, prototype keys, wrong types. */
const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom<unknown>(
    { $ne: null },
    { $gt: '' },
    JSON.parse('{"__proto__":{"admin":true}}') as unknown,
    { constructor: { prototype: { admin: true } } },
    [],
    null,
    '',
    '\u0000',
    'x'.repeat(5000),
    -1,
    1e308,
    '00000000-0000-0000-0000-000000000000',
    'admin@security.test',
  ),
);

/** A body with the endpoint's own field names (so validation is reached) and strays, each any value. */
const bodyOf = (fields: string[]) =>
  fc.oneof(
    fc.dictionary(fc.constantFrom(...fields, 'roles', 'id', 'userId', '__proto__'), hostileValue, { maxKeys: 5 }),
    hostileValue,
  );

/**
 * Property-based fuzzing (fast-check) of every endpoint's body, and of the NATS request
 * payloads: no answer is a 500 or shows a stack, the process keeps serving, and a refused
 * request leaves nothing behind (no user row from a refused registration).
 */
describe.each(testDatabaseTargets())('fuzzing every endpoint on $name', (target) => {
  let s: SecuritySystem;
  let user: Awaited<ReturnType<SecuritySystem['session']>>;
  let adminToken: string;

  beforeAll(async () => {
    s = await startSystem(target, { services: true });
    user = await s.session();
    adminToken = (await s.login(s.admin)).access;
    // Three apps, each booting its own database, on a 2-core machine that may be busy.
  }, 180_000);

  afterAll(() => s?.close());

  async function fuzz(send: (body: unknown) => Promise<Answer>, fields: string[]): Promise<Answer[]> {
    const answers: Answer[] = [];
    await fc.assert(
      fc.asyncProperty(bodyOf(fields), async (body) => {
        const res = await send(body);
        answers.push(res);
        expectNoLeak(res);
      }),
      { numRuns: RUNS, seed: 6, endOnFailure: true },
    );
    return answers;
  }

  it('POST /auth/register: no 500, and exactly one user row per 201', async () => {
    const users = async () => Number((await s.authSql('select count(*)::int as n from users'))[0].n);
    const before = await users();
    const answers = await fuzz(
      (body) => s.call('auth', 'POST', '/auth/register', { body, from: freshAddress() }),
      ['email', 'password', 'displayName'],
    );
    expect(await users()).toBe(before + answers.filter((a) => a.status === 201).length);
  });

  it.each<[string, string, string, string[]]>([
    ['POST /auth/login', 'POST', '/auth/login', ['email', 'password']],
    ['POST /auth/refresh', 'POST', '/auth/refresh', ['refresh_token']],
    [
      'POST /oauth/token',
      'POST',
      '/oauth/token',
      ['grant_type', 'client_id', 'client_secret', 'refresh_token', 'scope'],
    ],
    ['POST /oauth/revoke', 'POST', '/oauth/revoke', ['token', 'token_type_hint', 'client_id', 'client_secret']],
  ])('%s (anonymous): no 500', async (_name, method, route, fields) => {
    await fuzz((body) => s.call('auth', method, route, { body, from: freshAddress() }), fields);
  });

  it('POST /auth/password (bearer): no 500, and the password is unchanged unless a 204', async () => {
    const answers = await fuzz(
      (body) => s.call('auth', 'POST', '/auth/password', { body, token: user.access, from: freshAddress() }),
      ['currentPassword', 'newPassword'],
    );
    expect(answers.some((a) => a.status === 204)).toBe(false);
    expect((await s.login(user)).access).toEqual(expect.any(String));
  });

  it('PATCH /admin/users/:id (admin): no 500, and the user’s roles are unchanged unless a 200', async () => {
    const answers = await fuzz(
      (body) => s.call('auth', 'PATCH', `/admin/users/${user.id}`, { body, token: adminToken }),
      ['roles', 'disabled'],
    );
    if (!answers.some((a) => a.status === 200)) {
      const me = await s.call('auth', 'GET', '/auth/me', { token: (await s.login(user)).access });
      expect(me.body.roles).toEqual(['user']);
    }
  });

  it('POST /orders (user): no 500', async () => {
    await fuzz((body) => s.call('orders', 'POST', '/orders', { body, token: user.access }), ['items']);
    await fuzz(
      (items) => s.call('orders', 'POST', '/orders', { body: { items: [items] }, token: user.access }),
      ['sku', 'quantity', 'unitPriceCents'],
    );
  });

  it('PATCH /profile/me (user): no 500', async () => {
    await fuzz(
      (body) => s.call('profile', 'PATCH', '/profile/me', { body, token: user.access }),
      ['displayName', 'shippingAddress'],
    );
    await fuzz(
      (address) =>
        s.call('profile', 'PATCH', '/profile/me', { body: { shippingAddress: address }, token: user.access }),
      ['line1', 'line2', 'city', 'postalCode', 'country'],
    );
  });

  it('query strings and path parameters of orders and profile: no 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 60 }), fc.string({ maxLength: 60 }), async (a, b) => {
        for (const route of [
          `/orders?cursor=${encodeURIComponent(a)}&limit=${encodeURIComponent(b)}`,
          `/orders/${encodeURIComponent(a)}`,
          `/profiles/${encodeURIComponent(a)}`,
        ]) {
          expectNoLeak(
            await s.call(route.startsWith('/profiles') ? 'profile' : 'orders', 'GET', route, { token: adminToken }),
          );
        }
      }),
      { numRuns: RUNS, seed: 6, endOnFailure: true },
    );
  });

  it('NATS profile.get.v1 and orders.summary.v1 with any payload: an error reply or an answer, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(hostileValue, async (userId) => {
        for (const subject of ['profile', 'orders'] as const) {
          const outcome = await s.rpcCall(subject, userId as string, `Bearer ${user.access}`);
          expect(outcome.status).toBeGreaterThanOrEqual(200);
          expect(outcome.status).toBeLessThan(500);
        }
      }),
      { numRuns: RUNS, seed: 6, endOnFailure: true },
    );
  });

  it('every process is alive and serving afterwards', async () => {
    for (const app of ['auth', 'orders', 'profile'] as const) {
      expect((await s.call(app, 'GET', '/health/ready')).status).toBe(200);
    }
    expect((await s.call('orders', 'GET', '/orders', { token: user.access })).status).toBe(200);
  });
});
