import { randomUUID } from 'node:crypto';

import { testDatabaseTargets } from '@tessera/platform/testing';

import { expectInvalidToken, expectNoLeak, expectProblem, expectRpc } from './support/expect';
import { type Answer, freshAddress, PASSWORD, pairOf, startSystem, type SecuritySystem } from './support/system';
import { expectAcceptedEverywhere, expectRefusedEverywhere } from './support/tokens';

const LOCKOUT_MAX_SECONDS = 2;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Polls until `check` passes (revocations reach the services through a NATS KV watch). */
async function eventually(check: () => Promise<void>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > deadline) {
        throw e;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * OWASP ASVS 5.0: 6.2 password security, 6.3 general authentication (enumeration, brute
 * force, lockout), 7.4 session termination, 9.1/9.2 self-contained tokens, 10.4 the OAuth
 * authorization server, 15.3 defensive coding (mass assignment, prototype pollution, type
 * confusion), and 16.2 logging without secrets.
 */
describe.each(testDatabaseTargets())('OWASP ASVS 5.0 on $name', (target) => {
  let s: SecuritySystem;
  const logs: string[] = [];

  beforeAll(async () => {
    s = await startSystem(target, {
      services: true,
      authLogs: (line) => logs.push(line),
      authEnv: {
        LOGIN_ACCOUNT_MAX_FAILURES: '3',
        LOGIN_LOCKOUT_BASE_SECONDS: '1',
        LOGIN_LOCKOUT_MAX_SECONDS: String(LOCKOUT_MAX_SECONDS),
        LOGIN_ADDRESS_MAX_FAILURES: '5',
      },
    });
    // Three apps, each booting its own database, on a 2-core machine that may be busy.
  }, 180_000);

  afterAll(() => s?.close());

  const login = (email: string, password: string, from = freshAddress(), headers = {}) =>
    s.call('auth', 'POST', '/auth/login', { body: { email, password }, from, headers });
  const userCount = async () => Number((await s.authSql('select count(*)::int as n from users'))[0].n);

  describe('V6.2 password security', () => {
    it('6.2.1 a password shorter than 12 characters is refused: 400 validation_failed, no account', async () => {
      const before = await userCount();
      const res = await s.call('auth', 'POST', '/auth/register', {
        body: { email: `short-${randomUUID()}@security.test`, password: 'elevenchars' },
      });
      expectProblem(res, 400, 'validation_failed');
      expect(await userCount()).toBe(before);
    });

    it('6.2.9 a 1 MB password is refused before any hashing: 413 at register, login and password change', async () => {
      const huge = 'p'.repeat(1024 * 1024);
      const user = await s.session();
      for (const [route, body, token] of [
        ['/auth/register', { email: `big-${randomUUID()}@security.test`, password: huge }, undefined],
        ['/auth/login', { email: user.email, password: huge }, undefined],
        ['/auth/password', { currentPassword: huge, newPassword: huge }, user.access],
      ] as const) {
        const started = Date.now();
        const res = await s.call('auth', 'POST', route, { body, from: freshAddress(), token });
        expectProblem(res, 413, 'content_too_large');
        expect(Date.now() - started).toBeLessThan(5000);
      }
      // Under the body limit but over the password limit: a 400, still no hashing of it.
      const long = await s.call('auth', 'POST', '/auth/login', {
        body: { email: user.email, password: 'p'.repeat(60_000) },
        from: freshAddress(),
      });
      expect([400, 401]).toContain(long.status);
      expectNoLeak(long);
      expect((await login(user.email, PASSWORD)).status).toBe(200);
    });
  });

  describe('V6.3 general authentication', () => {
    it('6.3.8 no enumeration by status or body: an unknown email and a wrong password get byte-identical answers', async () => {
      const user = await s.register();
      const unknown = await login(`nobody-${randomUUID()}@security.test`, 'wrong password, long enough');
      const wrong = await login(user.email, 'wrong password, long enough');
      expectProblem(wrong, 401, 'invalid_credentials');
      expect({ status: unknown.status, text: unknown.text, www: unknown.headers['www-authenticate'] }).toEqual({
        status: wrong.status,
        text: wrong.text,
        www: wrong.headers['www-authenticate'],
      });
      // Registration is where an email's existence shows (409), and only to whoever picks it.
      const taken = await s.call('auth', 'POST', '/auth/register', { body: { email: user.email, password: PASSWORD } });
      expectProblem(taken, 409, 'email_taken');
    });

    it('6.3.8 no enumeration by time: median answer times of unknown email and wrong password are alike', async () => {
      const samples = 7;
      const users = await Promise.all(Array.from({ length: samples }, () => s.register()));
      const timed = async (email: string) => {
        const started = process.hrtime.bigint();
        const res = await login(email, 'wrong password, long enough');
        expect(res.status).toBe(401);
        return Number(process.hrtime.bigint() - started) / 1e6;
      };
      const known: number[] = [];
      const unknown: number[] = [];
      // Interleaved, one attempt per account and address: no lockout, no drift between the two series.
      for (let i = 0; i < samples; i++) {
        known.push(await timed(users[i].email));
        unknown.push(await timed(`nobody-${randomUUID()}@security.test`));
      }
      const [a, b] = [median(known), median(unknown)];
      // A skipped hash (~tens of ms of argon2id) would show as a ratio far above this tolerance.
      expect(Math.max(a, b) / Math.min(a, b)).toBeLessThan(3);
    });

    it('6.3.1 brute force from rotating addresses (and spoofed X-Forwarded-For) is stopped per account: 429', async () => {
      const user = await s.register();
      const answers: Answer[] = [];
      for (let i = 0; i < 6; i++) {
        answers.push(
          await login(user.email, `guess number ${i} is wrong`, freshAddress(), {
            'x-forwarded-for': `203.0.113.${i}`,
            'x-real-ip': `198.51.100.${i}`,
          }),
        );
      }
      expect(answers.slice(0, 3).map((r) => r.status)).toEqual([401, 401, 401]);
      for (const refused of answers.slice(3)) {
        expectProblem(refused, 429, 'too_many_attempts');
        expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      }
      // Even the right password waits, from yet another address.
      expectProblem(await login(user.email, PASSWORD), 429, 'too_many_attempts');
    });

    it('6.3.1 an attacker can lock a victim out for at most LOGIN_LOCKOUT_MAX_SECONDS at a time', async () => {
      const victim = await s.register();
      for (let i = 0; i < 8; i++) {
        await login(victim.email, `attacker guess ${i}`);
      }
      const locked = await login(victim.email, PASSWORD);
      expectProblem(locked, 429, 'too_many_attempts');
      const retryAfter = Number(locked.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(LOCKOUT_MAX_SECONDS);
      await new Promise((r) => setTimeout(r, retryAfter * 1000 + 200));
      expect((await login(victim.email, PASSWORD)).status).toBe(200);
    });
  });

  describe('V7.4 session termination', () => {
    it('7.4.1 after logout the access token is refused everywhere (HTTP and NATS) and the refresh token is dead', async () => {
      const user = await s.session();
      await expectAcceptedEverywhere(s, user.access, user.id);
      expect((await s.call('auth', 'POST', '/auth/logout', { token: user.access })).status).toBe(204);
      expectInvalidToken(await s.call('auth', 'GET', '/auth/me', { token: user.access }));
      await eventually(() => expectRefusedEverywhere(s, user.access, user.id));
      expectProblem(await s.refresh(user.refresh), 401, 'invalid_grant');
    });

    it('7.4.1 a revoked token resent with its signature’s last character changed is still refused', async () => {
      const user = await s.session();
      expect((await s.call('auth', 'POST', '/auth/logout', { token: user.access })).status).toBe(204);
      await eventually(() => expectRefusedEverywhere(s, user.access, user.id));
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      for (const c of alphabet) {
        if (c !== user.access.at(-1)) {
          const variant = user.access.slice(0, -1) + c;
          const [orders, rpc] = await Promise.all([
            s.call('orders', 'GET', '/orders', { token: variant }),
            s.rpcCall('profile', user.id, `Bearer ${variant}`),
          ]);
          expectInvalidToken(orders);
          expectRpc(rpc, 401, 'invalid_token');
        }
      }
    });

    it('7.4.3 a password change ends the user’s other sessions (access and refresh), keeping this one', async () => {
      const user = await s.session();
      const other = await s.login(user);
      const res = await s.call('auth', 'POST', '/auth/password', {
        token: user.access,
        body: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' },
      });
      expect(res.status).toBe(204);
      await eventually(() => expectRefusedEverywhere(s, other.access, user.id));
      expectProblem(await s.refresh(other.refresh), 401, 'invalid_grant');
      expect((await s.call('auth', 'GET', '/auth/me', { token: user.access })).status).toBe(200);
      expectProblem(await login(user.email, PASSWORD), 401, 'invalid_credentials');
    });

    it('7.4.2 disabling a user ends every session of theirs at once, and they cannot log in again', async () => {
      const admin = await s.login(s.admin);
      const user = await s.session();
      await expectAcceptedEverywhere(s, user.access, user.id);
      const res = await s.call('auth', 'PATCH', `/admin/users/${user.id}`, {
        token: admin.access,
        body: { disabled: true },
      });
      expect(res.status).toBe(200);
      await eventually(() => expectRefusedEverywhere(s, user.access, user.id));
      expectProblem(await s.refresh(user.refresh), 401, 'invalid_grant');
      expectProblem(await login(user.email, PASSWORD), 401, 'invalid_credentials');
    });
  });

  describe('V9.1 / V9.2 self-contained tokens', () => {
    it('9.2.1 an issued access token carries a bounded lifetime, an audience, a jti and nothing secret', async () => {
      const user = await s.session();
      const header = JSON.parse(Buffer.from(user.access.split('.')[0], 'base64url').toString()) as object;
      const claims = JSON.parse(Buffer.from(user.access.split('.')[1], 'base64url').toString()) as Record<
        string,
        unknown
      >;
      expect(header).toEqual({ alg: 'RS256', kid: expect.any(String), typ: 'at+jwt' });
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
      expect((claims.exp as number) - (claims.iat as number)).toBe(900);
      expect(JSON.stringify(claims)).not.toContain(user.email);
    });
  });

  describe('V10.4 the OAuth authorization server', () => {
    it('10.4.x client secrets are checked in constant answers; a service token lasts 5 minutes and names its client', async () => {
      const token = await s.serviceToken('orders');
      const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
      expect(claims).toMatchObject({ sub: 'client:orders', client_id: 'orders', aud: ['profile'], roles: [] });
      expect((claims.exp as number) - (claims.iat as number)).toBe(300);
      const basic = Buffer.from(`orders:${s.clientSecrets.orders}x`).toString('base64');
      const res = await s.call('auth', 'POST', '/oauth/token', {
        body: 'grant_type=client_credentials',
        contentType: 'application/x-www-form-urlencoded',
        headers: { authorization: `Basic ${basic}` },
      });
      expect({ status: res.status, error: res.body.error }).toEqual({ status: 401, error: 'invalid_client' });
      expect(res.headers['www-authenticate']).toMatch(/^Basic /);
    });
  });

  describe('V15.3 defensive coding', () => {
    const email = () => `v15-${randomUUID()}@security.test`;

    it.each<[string, () => unknown, string?]>([
      ['extra role field', () => ({ email: email(), password: PASSWORD, role: 'admin' })],
      ['extra roles field', () => ({ email: email(), password: PASSWORD, roles: ['admin'] })],
      ['extra id field', () => ({ email: email(), password: PASSWORD, id: randomUUID() })],
      ['extra disabled field', () => ({ email: email(), password: PASSWORD, disabled: false })],
      // Refused by the JSON parser itself (secure-json-parse), before any validation.
      [
        '__proto__ with roles',
        () => `{"email":"${email()}","password":"${PASSWORD}","__proto__":{"roles":["admin"]}}`,
        'bad_request',
      ],
      [
        'constructor.prototype with roles',
        () => ({ email: email(), password: PASSWORD, constructor: { prototype: { roles: ['admin'] } } }),
        'bad_request',
      ],
      ['an operator object as email', () => ({ email: { $ne: null }, password: PASSWORD })],
      ['an operator object as password', () => ({ email: email(), password: { $gt: '' } })],
      ['an array as email', () => ({ email: [email()], password: PASSWORD })],
      ['null as password', () => ({ email: email(), password: null })],
      ['a number as password', () => ({ email: email(), password: 123456789012345 })],
      ['a JSON array body', () => [{ email: email(), password: PASSWORD }]],
      ['a JSON string body', () => 'just a string'],
    ])('register with %s: 400, and no account is created', async (_name, body, code = 'validation_failed') => {
      const before = await userCount();
      const payload = body();
      const res = await s.call('auth', 'POST', '/auth/register', {
        body: typeof payload === 'string' && !payload.startsWith('{') ? JSON.stringify(payload) : payload,
      });
      expectProblem(res, 400, code);
      expect(await userCount()).toBe(before);
      expect(({} as Record<string, unknown>).roles).toBeUndefined();
    });

    it.each<[string, unknown]>([
      ['{"$ne":null} as password', { $ne: null }],
      ['{"$gt":""} as password', { $gt: '' }],
      ['{"$regex":".*"} as password', { $regex: '.*' }],
      ['an array of passwords', [PASSWORD, 'x']],
      ['null', null],
      ['true', true],
    ])('login with %s: 400, never a session', async (_name, password) => {
      const user = await s.register();
      const res = await s.call('auth', 'POST', '/auth/login', {
        body: { email: user.email, password },
        from: freshAddress(),
      });
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.access_token).toBeUndefined();
    });

    it('login with an operator object as email: 400', async () => {
      const res = await s.call('auth', 'POST', '/auth/login', { body: { email: { $ne: null }, password: PASSWORD } });
      expectProblem(res, 400, 'validation_failed');
    });

    it.each<[string, string | null, (email: string) => string]>([
      ['text/plain', 'text/plain', (email) => JSON.stringify({ email, password: PASSWORD })],
      ['application/xml', 'application/xml', () => '<login/>'],
      ['multipart/form-data', 'multipart/form-data; boundary=x', () => '--x--'],
      [
        'an HTML form (login CSRF)',
        'application/x-www-form-urlencoded',
        (email) => new URLSearchParams({ email, password: PASSWORD }).toString(),
      ],
      ['no content type', null, (email) => JSON.stringify({ email, password: PASSWORD })],
    ])('login with valid credentials sent as %s: 415, never a session', async (_name, contentType, body) => {
      const user = await s.register();
      const res = await s.call('auth', 'POST', '/auth/login', {
        body: body(user.email),
        contentType,
        from: freshAddress(),
      });
      expectProblem(res, 415, 'unsupported_media_type');
      expect(res.headers['set-cookie']).toBeUndefined();
    });

    it('malformed JSON: 400, no stack trace', async () => {
      const res = await s.call('auth', 'POST', '/auth/login', { body: '{"email": "a@b.c", "password": ' });
      expectNoLeak(res);
      expect(res.status).toBe(400);
    });

    it('PATCH /admin/users/:id with operator objects and prototype keys: 400 and nothing changes', async () => {
      const admin = await s.login(s.admin);
      const user = await s.register();
      for (const body of [
        { roles: { $set: ['admin'] } },
        { roles: ['user', 'superuser'] },
        { disabled: 'false' },
        { id: randomUUID() },
        { email: 'new@security.test' },
      ]) {
        const res = await s.call('auth', 'PATCH', `/admin/users/${user.id}`, { token: admin.access, body });
        expectProblem(res, 400, 'validation_failed');
      }
      for (const raw of ['{"__proto__":{"roles":["admin"]}}', '{"constructor":{"prototype":{"roles":["admin"]}}}']) {
        const res = await s.call('auth', 'PATCH', `/admin/users/${user.id}`, { token: admin.access, body: raw });
        expectProblem(res, 400, 'bad_request');
      }
      const me = await s.call('auth', 'GET', '/auth/me', { token: (await s.login(user)).access });
      expect(me.body).toMatchObject({ id: user.id, roles: ['user'] });
    });
  });

  describe('V16.2 logs', () => {
    it('16.2.5 a full flow leaves no access token, refresh token, password or client secret in auth’s logs', async () => {
      const password = `log-secret-${randomUUID()}`;
      const newPassword = `log-secret-new-${randomUUID()}`;
      const user = await s.register(`logs-${randomUUID()}@security.test`, password);
      const session = await s.login(user);
      await s.call('auth', 'GET', '/auth/me', { token: session.access });
      await login(user.email, `${password}-wrong`);
      const rotated = pairOf(await s.refresh(session.refresh));
      await s.refresh(session.refresh);
      const second = await s.login(user);
      await s.call('auth', 'POST', '/auth/password', {
        token: second.access,
        body: { currentPassword: password, newPassword },
      });
      const service = await s.serviceToken('orders');
      await s.call('auth', 'POST', '/oauth/token', {
        body: `grant_type=client_credentials&client_id=orders&client_secret=${s.clientSecrets.orders}x`,
        contentType: 'application/x-www-form-urlencoded',
      });
      await s.call('auth', 'POST', '/oauth/revoke', { body: { token: service } });
      await s.call('auth', 'POST', '/auth/logout', { token: second.access });
      await new Promise((r) => setTimeout(r, 300));

      const text = logs.join('');
      // The capture works: the flow's requests were logged.
      expect(text).toContain('/auth/login');
      const signature = (t: string) => t.split('.')[2];
      for (const secret of [
        password,
        newPassword,
        `${password}-wrong`,
        session.refresh,
        rotated.refresh,
        second.refresh,
        signature(session.access),
        signature(rotated.access),
        signature(second.access),
        signature(service),
        s.clientSecrets.orders,
        s.clientSecrets.profile,
        s.admin.password,
      ]) {
        expect(text).not.toContain(secret);
      }
    });
  });
});
