import { createHash } from 'node:crypto';

import { testDatabaseTargets } from '@tessera/platform/testing';
import fc from 'fast-check';

import {
  type AppName,
  callOf,
  type CaseContext,
  describeCase,
  documentedOperations,
  FuzzReport,
  type FuzzOperation,
  requestCases,
  ResponseChecker,
} from './support/openapi-fuzz';
import { type Answer, freshAddress, PASSWORD, type SecuritySystem, startSystem, type User } from './support/system';

/**
 * Property-based fuzzing of every operation the three apps document at /docs/json, checked
 * against the same documents (see support/openapi-fuzz.ts). CI runs FUZZ_RUNS cases per
 * operation (200 by default) with a fixed seed; `npm run fuzz` runs 10,000 with a seed of its
 * own. The seed is printed with the numbers: FUZZ_SEED=<seed> FUZZ_RUNS=<runs> sends the same
 * cases again, FUZZ_ONLY=<text> keeps the operations whose `METHOD /path` contains it.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const SEED = Number(process.env.FUZZ_SEED ?? 162_026);
const ONLY = process.env.FUZZ_ONLY ?? '';
/** A generous ceiling per case: argon2 on register and login is the slowest thing sent. */
const MS_PER_CASE = 60;

/** Each operation's own stream of cases, so filtering or adding operations changes no other's. */
const seedOf = (route: string) => (SEED ^ createHash('sha256').update(route).digest().readInt32BE(0)) | 0;

const ADDRESS = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };

/**
 * The route whose success revokes the caller's access token (by its id, so a new sign-in is
 * good at once; after logout-all a new token would be good only from the next second on, and
 * its later cases are refused by the guard instead).
 */
const SIGNS_OUT = /^\/auth\/logout$/;

/** An access token no key signed (alg none): the "garbage" caller. */
const FORGED = 'eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.eyJzdWIiOiJ4Iiwicm9sZXMiOlsiYWRtaW4iXX0.';

// One database target: the last one, PostgreSQL whenever CI provides it (what production runs),
// else PGlite. Both refuse the same text (U+0000), and a run per target would double the time.
const target = testDatabaseTargets().at(-1)!;

describe(`fuzzing every documented operation on ${target.name}`, () => {
  let s: SecuritySystem;
  const report = new FuzzReport();
  const docs = new Map<
    AppName,
    { all: FuzzOperation[]; operations: FuzzOperation[]; checker: ResponseChecker; ctx: CaseContext }
  >();
  /** A user with an order and a shipping address: ids that exist but belong to someone else. */
  let resident: { id: string; orderId: string };
  let admins: User[] = [];

  beforeAll(async () => {
    s = await startSystem(target, { services: true });
    const owner = await s.session();
    const patched = await s.call('profile', 'PATCH', '/profile/me', {
      body: { shippingAddress: ADDRESS },
      token: owner.access,
    });
    expect(patched.status).toBe(200);
    const order = await s.call('orders', 'POST', '/orders', {
      body: { items: [{ sku: 'SKU-1', quantity: 1, unitPriceCents: 100 }] },
      token: owner.access,
    });
    expect(order.status).toBe(201);
    resident = { id: owner.id, orderId: order.body.id as string };
    for (const app of ['auth', 'orders', 'profile'] as const) {
      const { document, operations } = await documentedOperations(app, s.urls[app]);
      docs.set(app, {
        all: operations,
        operations: operations.filter((o) => o.route.includes(ONLY)),
        checker: new ResponseChecker(document),
        ctx: { document, known: [], ids: [] },
      });
    }
    admins = await promoteAdmins([...docs.values()].reduce((n, d) => n + d.operations.length, 0));
    process.stderr.write(`[fuzz] seed ${SEED}, ${RUNS} cases per operation on ${target.name}\n`);
  }, 180_000);

  afterAll(async () => {
    process.stderr.write(`${report.summary(SEED, RUNS)}\n`);
    await s?.close();
  });

  /**
   * Users made admin by the first admin, one per operation (the first admin takes part in no
   * case): a case may sign its admin out or lock it out, since wrong current passwords count
   * against the account. All are promoted at once, then signed in a second later: a role change
   * revokes the tokens of its second (revocations have one-second resolution).
   */
  async function promoteAdmins(count: number): Promise<User[]> {
    const operators: User[] = [];
    const first = (await s.login(s.admin)).access;
    for (let i = 0; i < count; i++) {
      const operator = await s.register();
      const promoted = await s.call('auth', 'PATCH', `/admin/users/${operator.id}`, {
        body: { roles: ['user', 'admin'] },
        token: first,
      });
      expect(promoted.status).toBe(200);
      operators.push(operator);
    }
    await new Promise((r) => setTimeout(r, 1100));
    return operators;
  }

  async function fuzzOperation(op: FuzzOperation): Promise<void> {
    const { checker, ctx } = docs.get(op.app)!;
    // A fresh user and admin session per operation: a case may log out, change the password or
    // disable the user, which must not change what the next operation is sent with.
    const user = await s.session();
    const operator = admins.pop()!;
    const admin = await s.login(operator);
    // With an address, a valid order can be placed (without one it is a 422).
    await s.call('profile', 'PATCH', '/profile/me', { body: { shippingAddress: ADDRESS }, token: user.access });
    const sessions = await s.call('auth', 'GET', '/auth/sessions', { token: user.access });
    const sessionIds = Array.isArray(sessions.body) ? (sessions.body as { id: string }[]) : [];
    const context: CaseContext = {
      ...ctx,
      ids: [user.id, resident.id, resident.orderId, ...sessionIds.map((x) => x.id), 'me'],
      known: [
        ...[user.email, PASSWORD, user.refresh, user.id, resident.orderId, 'user', 'admin'],
        // The token endpoint's grants and a real client, so some requests get past client authentication.
        ...['client_credentials', 'refresh_token', 'orders', s.clientSecrets.orders],
      ],
    };
    const key = `${op.app} ${op.route}`;
    const tokens = { user: user.access, admin: admin.access, garbage: FORGED };
    await fc.assert(
      fc.asyncProperty(requestCases(op, context), async (c) => {
        const sent = callOf(c, tokens);
        const answer = await s.call(op.app, op.method, sent.route, { ...sent.options, from: freshAddress() });
        report.record(key, answer.status);
        for (const finding of checker.check(op, answer)) {
          report.add({ ...finding, route: key, request: describeCase(op, c, sent) });
        }
        // A sign-out revokes the token it was sent with: sign in again, so that the next cases
        // are not all refused by the guard before reaching the route.
        if (SIGNS_OUT.test(op.path) && answer.status < 300 && (c.who === 'user' || c.who === 'admin')) {
          tokens[c.who] = (await s.login(c.who === 'user' ? user : operator)).access;
        }
      }),
      { seed: seedOf(key), numRuns: RUNS },
    );
    const stats = report.operations.get(key);
    process.stderr.write(
      `[fuzz] ${key}: ${stats?.cases ?? 0} cases, ${report.requests} requests so far, ` +
        `${report.fiveHundreds} 5xx, ${report.undeclared} undeclared\n`,
    );
    for (const app of ['auth', 'orders', 'profile'] as const) {
      const ready = await s.call(app, 'GET', '/health/ready');
      if (ready.status !== 200) {
        report.add({
          route: key,
          kind: 'not ready',
          status: ready.status,
          detail: `${app} not ready after fuzzing ${op.route}: ${ready.text.slice(0, 200)}`,
          request: '',
        });
      }
    }
  }

  it('flags a 5xx, an undeclared status or media type and a body off its schema (the check can fail)', () => {
    const { all, checker } = docs.get('auth')!;
    const me = all.find((o) => o.route === 'GET /auth/me')!;
    const answer = (status: number, contentType: string, body: unknown): Answer => ({
      status,
      headers: { 'content-type': contentType },
      text: JSON.stringify(body),
      body: body as Record<string, unknown>,
    });
    const user = { id: resident.id, email: 'a@b.test', roles: ['user'] };
    const problem = { type: 'about:blank', title: 'Unauthorized', status: 401, code: 'invalid_token' };
    expect(checker.check(me, answer(200, 'application/json; charset=utf-8', user))).toEqual([]);
    expect(checker.check(me, answer(401, 'application/problem+json', problem))).toEqual([]);
    const kinds = [
      answer(500, 'application/problem+json', { ...problem, status: 500 }),
      answer(418, 'application/problem+json', { ...problem, status: 418, code: 'teapot' }),
      answer(200, 'text/html', user),
      answer(200, 'application/json', { ...user, roles: 'user' }),
      answer(401, 'application/problem+json', { status: 401 }),
    ].map((a) => checker.check(me, a).map((f) => f.kind));
    expect(kinds).toEqual([
      ['5xx'],
      ['undeclared status'],
      ['undeclared media type'],
      ['body off schema'],
      ['body off schema'],
    ]);
  });

  it.each(['auth', 'orders', 'profile'] as const)(
    'every answer of %s is one its document declares, never a 5xx, and every app stays ready',
    async (app) => {
      const { operations } = docs.get(app)!;
      for (const op of operations) {
        await fuzzOperation(op);
      }
      expect(report.findings.filter((f) => f.route.startsWith(`${app} `))).toEqual([]);
    },
    // Per app: auth documents about twenty operations, orders and profile a handful each.
    60_000 + 25 * RUNS * MS_PER_CASE,
  );
});
