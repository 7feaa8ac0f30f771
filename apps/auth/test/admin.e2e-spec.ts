import { RevocationKeys } from '@tessera/auth';
import { Subjects } from '@tessera/contracts';
import { testDatabaseTargets } from '@tessera/platform/testing';
import { decodeJwt } from 'jose';

import { users as usersTable } from '../src/database/schema';
import type { AuthAppFixture } from './auth-app.fixture';
import { sleep, startAuthApp } from './auth-app.fixture';

const adminEmail = 'root@example.com';
const adminPassword = 'the first admin passphrase';
const password = 'correct horse battery staple';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

interface Pair {
  access: string;
  refresh: string;
  sub: string;
}

interface ListedUser {
  id: string;
  email: string;
  roles: string[];
  disabled: boolean;
  createdAt: string;
}

describe.each(testDatabaseTargets())('auth admin on $name', (target) => {
  let auth: AuthAppFixture;
  let root: Pair;

  beforeAll(async () => {
    auth = await startAuthApp(target, { env: { ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: adminPassword } });
    root = await login(adminEmail, adminPassword);
  });

  afterAll(async () => {
    await auth?.close();
  });

  const call: AuthAppFixture['call'] = (method, path, options) => auth.call(method, path, options);

  async function login(email: string, pw = password): Promise<Pair> {
    const res = await call('POST', '/auth/login', { body: { email, password: pw } });
    expect(res.status).toBe(200);
    const access = res.body.access_token as string;
    return { access, refresh: res.body.refresh_token as string, sub: decodeJwt(access).sub! };
  }

  let count = 0;
  async function newUser(): Promise<{ email: string; pair: Pair }> {
    const email = `user${++count}@example.com`;
    expect((await call('POST', '/auth/register', { body: { email, password } })).status).toBe(201);
    return { email, pair: await login(email) };
  }

  const patch = (id: string, body: unknown, token = root.access) =>
    call('PATCH', `/admin/users/${id}`, { body, token });
  const me = async (token: string) => (await call('GET', '/auth/me', { token })).status;
  const refresh = (token: string) => call('POST', '/auth/refresh', { body: { refresh_token: token } });

  const revocationEntry = (key: string) => auth.revocationEntry(key);

  /** Every `auth.user.disabled.v1` event stored in this run's events stream so far. */
  const disabledEvents = (expected: number) => auth.streamedEvents(Subjects.UserDisabled, expected);

  async function allUsers(): Promise<ListedUser[]> {
    const res = await call('GET', '/admin/users?limit=100', { token: root.access });
    expect(res.status).toBe(200);
    return res.body.items as ListedUser[];
  }

  describe('the first admin', () => {
    it('is created at start from ADMIN_EMAIL/ADMIN_PASSWORD, logs in, and holds the admin role', async () => {
      expect(decodeJwt(root.access).roles).toEqual(['user', 'admin']);
      const res = await call('GET', '/auth/me', { token: root.access });
      expect(res.body).toEqual({ id: root.sub, email: adminEmail, roles: ['user', 'admin'] });
    });

    it('lists the users: {items:[{id,email,roles,disabled,createdAt}], nextCursor}, never a hash', async () => {
      const { email, pair } = await newUser();
      const res = await call('GET', '/admin/users', { token: root.access });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body.nextCursor).toBeNull();
      const items = res.body.items as ListedUser[];
      expect(items[0]).toEqual({
        id: root.sub,
        email: adminEmail,
        roles: ['user', 'admin'],
        disabled: false,
        createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      });
      expect(items).toContainEqual(expect.objectContaining({ id: pair.sub, email, roles: ['user'], disabled: false }));
      expect(res.text).not.toMatch(/argon2|password/i);
    });

    it('pages with limit and an opaque cursor, each user exactly once', async () => {
      await newUser();
      await newUser();
      const all = await allUsers();
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
        const res = await call('GET', `/admin/users${query}`, { token: root.access });
        expect(res.status).toBe(200);
        const items = res.body.items as ListedUser[];
        expect(items.length).toBeLessThanOrEqual(2);
        seen.push(...items.map((u) => u.id));
        cursor = res.body.nextCursor as string | null;
      } while (cursor);
      expect(seen).toEqual(all.map((u) => u.id));
    });

    it.each([['limit=0'], ['limit=101'], ['limit=ten'], ['cursor=not-a-cursor'], ['offset=10']])(
      'refuses ?%s with 400',
      async (query) => {
        const res = await call('GET', `/admin/users?${query}`, { token: root.access });
        expect(res.status).toBe(400);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      },
    );
  });

  describe('access', () => {
    it('answers a user token with 403 insufficient_scope on every admin route', async () => {
      const { pair } = await newUser();
      for (const res of [
        await call('GET', '/admin/users', { token: pair.access }),
        await patch(pair.sub, { roles: ['user', 'admin'] }, pair.access),
      ]) {
        expect(res.status).toBe(403);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer .*error="insufficient_scope"/);
        expect(res.body).toMatchObject({ status: 403, code: 'insufficient_scope' });
      }
      expect(decodeJwt((await login(`user${count}@example.com`)).access).roles).toEqual(['user']);
    });

    it('answers no token with 401', async () => {
      const res = await call('GET', '/admin/users');
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    });
  });

  describe('PATCH /admin/users/:id validation', () => {
    it.each([
      ['an unknown field', { roles: ['user'], email: 'x@example.com' }],
      ['empty roles', { roles: [] }],
      ['roles without user', { roles: ['admin'] }],
      ['a repeated role', { roles: ['user', 'user'] }],
      ['an unknown role', { roles: ['user', 'superuser'] }],
      ['roles as a string', { roles: 'user' }],
      ['null roles', { roles: null }],
      ['disabled as a string', { disabled: 'true' }],
      ['null disabled', { disabled: null }],
      ['a null body', null],
    ])('refuses %s with 400, changing nothing', async (_name, body) => {
      const { pair } = await newUser();
      const res = await patch(pair.sub, body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ status: 400, code: 'validation_failed' });
      expect(await me(pair.access)).toBe(200);
    });

    it('refuses a null or unknown key algorithm with 400, rotating nothing', async () => {
      const kids = async () =>
        ((await call('GET', '/.well-known/jwks.json')).body.keys as { kid: string }[]).map((k) => k.kid);
      const before = await kids();
      for (const body of [{ alg: null }, { alg: 'HS256' }, null]) {
        const res = await call('POST', '/admin/keys/rotate', { token: root.access, body });
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ status: 400, code: 'validation_failed' });
      }
      expect(await kids()).toEqual(before);
    });

    it('refuses an id that is not a UUID with 400, and an unknown user with 404', async () => {
      expect((await patch('not-a-uuid', { disabled: true })).status).toBe(400);
      const unknown = await patch(UNKNOWN_ID, { disabled: true });
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({ status: 404, code: 'user_not_found' });
    });
  });

  describe('disabling a user', () => {
    it('commits every revocation before answering, refuses logins, and publishes auth.user.disabled.v1', async () => {
      const { email, pair } = await newUser();
      const second = await login(email);
      expect(await me(pair.access)).toBe(200);

      const res = await patch(pair.sub, { disabled: true });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        id: pair.sub,
        email,
        roles: ['user'],
        disabled: true,
        createdAt: expect.any(String),
      });

      // In the namespaced KV bucket right after the commit: every service refuses the tokens.
      expect(await revocationEntry(RevocationKeys.subject(pair.sub))).toEqual({ before: expect.any(Number) });
      for (const session of [pair, second]) {
        expect(await me(session.access)).toBe(401);
        const refused = await refresh(session.refresh);
        expect(refused.status).toBe(401);
        expect(refused.body).toMatchObject({ code: 'invalid_grant' });
      }
      const denied = await call('POST', '/auth/login', { body: { email, password } });
      expect(denied.status).toBe(401);
      expect(denied.body).toMatchObject({ code: 'invalid_credentials' });

      const events = await disabledEvents(1);
      expect(events).toEqual([{ userId: pair.sub, occurredAt: expect.any(String) }]);
      expect(new Date(events[0].occurredAt as string).toISOString()).toBe(events[0].occurredAt);
      expect((await allUsers()).find((u) => u.id === pair.sub)).toMatchObject({ disabled: true });
    });

    it('lets a re-enabled user log in again with fresh tokens', async () => {
      const { email, pair } = await newUser();
      expect((await patch(pair.sub, { disabled: true })).status).toBe(200);
      expect((await patch(pair.sub, { disabled: false })).body).toMatchObject({ disabled: false });
      // Revoked-before has one-second resolution: a token from the same second is covered too.
      await sleep(1100);
      expect(await me((await login(email)).access)).toBe(200);
      expect(await me(pair.access)).toBe(401);
    });
  });

  describe('an admin and their own account', () => {
    it('cannot disable or demote themself: 409, and stays an admin', async () => {
      const disable = await patch(root.sub, { disabled: true });
      expect(disable.status).toBe(409);
      expect(disable.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(disable.body).toMatchObject({ status: 409, code: 'cannot_disable_self' });
      const demote = await patch(root.sub, { roles: ['user'] });
      expect(demote.status).toBe(409);
      expect(demote.body).toMatchObject({ status: 409, code: 'cannot_demote_self' });
      expect((await call('GET', '/admin/users', { token: root.access })).status).toBe(200);
    });
  });

  describe('changing roles', () => {
    it('revokes the tokens carrying the old roles; the session refreshes into the new ones', async () => {
      const { pair } = await newUser();
      const res = await patch(pair.sub, { roles: ['admin', 'user'] });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ roles: ['user', 'admin'] });
      expect(await revocationEntry(RevocationKeys.subject(pair.sub))).toEqual({ before: expect.any(Number) });
      expect(await me(pair.access)).toBe(401);

      await sleep(1100);
      const refreshed = await refresh(pair.refresh);
      expect(refreshed.status).toBe(200);
      const access = refreshed.body.access_token as string;
      expect(decodeJwt(access).roles).toEqual(['user', 'admin']);
      expect((await call('GET', '/admin/users', { token: access })).status).toBe(200);
    });
  });

  // Last: it may take the admin role from root.
  describe('two admins demoting each other at once', () => {
    it('lets one change through and refuses the other, so an enabled admin always remains', async () => {
      for (const user of await allUsers()) {
        if (user.id !== root.sub && user.roles.includes('admin')) {
          expect((await patch(user.id, { roles: ['user'] })).status).toBe(200);
        }
      }
      const { email, pair } = await newUser();
      expect((await patch(pair.sub, { roles: ['user', 'admin'] })).status).toBe(200);
      await sleep(1100);
      const other = await login(email);
      const results = await Promise.all([
        patch(other.sub, { roles: ['user'] }, root.access),
        patch(root.sub, { disabled: true }, other.access),
      ]);
      // The loser is refused by the database lock (409 last_admin), or, when the winner
      // answered first, by the revocation of its own token (401).
      const statuses = results.map((r) => r.status).sort();
      expect([
        [200, 401],
        [200, 409],
      ]).toContainEqual(statuses);
      const conflict = results.find((r) => r.status === 409);
      if (conflict) {
        expect(conflict.body).toMatchObject({ code: 'last_admin' });
      }
      const admins = (await auth.db.select().from(usersTable)).filter((u) => !u.disabled && u.roles.includes('admin'));
      expect(admins).toHaveLength(1);
    });
  });
});
