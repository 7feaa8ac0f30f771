import { RevocationKeys } from '@tessera/auth';
import { testDatabaseTargets } from '@tessera/platform/testing';
import { eq, sql } from 'drizzle-orm';
import { decodeJwt } from 'jose';

import { refreshTokens, sessionFamilies, users as userRows } from '../src/database/schema';
import { hashRefreshToken } from '../src/sessions/refresh-token';
import type { AuthAppFixture, AuthResponse as Response } from './auth-app.fixture';
import { sleep, startAuthApp } from './auth-app.fixture';

const password = 'correct horse battery staple';

interface Pair {
  access: string;
  refresh: string;
  jti: string;
}

describe.each(testDatabaseTargets())('auth sessions on $name', (target) => {
  let auth: AuthAppFixture;
  let db: AuthAppFixture['db'];

  beforeAll(async () => {
    // The probe verifies as orders does: its own NATS connection, keys and revocations watched
    // from the namespaced buckets, nothing asked of auth.
    auth = await startAuthApp(target, { probe: { audience: 'orders', jwksUrl: true } });
    db = auth.db;
  });

  afterAll(async () => {
    await auth?.close();
  });

  const call: AuthAppFixture['call'] = (method, path, options) => auth.call(method, path, options);

  function pairOf(res: Response): Pair {
    expect(res.status).toBe(200);
    const access = res.body.access_token as string;
    return { access, refresh: res.body.refresh_token as string, jti: decodeJwt(access).jti! };
  }

  let users = 0;
  async function newUser(): Promise<string> {
    const email = `user${++users}@example.com`;
    expect((await call('POST', '/auth/register', { body: { email, password } })).status).toBe(201);
    return email;
  }

  async function login(email: string, userAgent?: string, pw = password): Promise<Pair> {
    return pairOf(await call('POST', '/auth/login', { body: { email, password: pw }, userAgent }));
  }

  const refresh = (token: string) => call('POST', '/auth/refresh', { body: { refresh_token: token } });
  const me = async (token: string) => (await call('GET', '/auth/me', { token })).status;

  function refreshCookie(res: Response): string | undefined {
    return res.headers.getSetCookie().find((c) => c.startsWith('tessera_refresh='));
  }

  const revocationEntry = (key: string) => auth.revocationEntry(key);
  const probeVerdict = (token: string, expected: 'accepted' | 'refused') => auth.probeVerdict(token, expected);

  function expectInvalidGrant(res: Response, ...secrets: string[]): void {
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 401, code: 'invalid_grant' });
    for (const secret of secrets) {
      expect(res.text).not.toContain(secret);
    }
  }

  describe('login', () => {
    it('returns a refresh token in the body and in an HttpOnly, SameSite=Strict cookie on /auth', async () => {
      const email = await newUser();
      const res = await call('POST', '/auth/login', { body: { email, password } });
      const pair = pairOf(res);
      expect(res.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 900,
        refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      });
      expect(res.headers.get('cache-control')).toBe('no-store');
      const cookie = refreshCookie(res)!;
      expect(cookie).toBeDefined();
      const [nameValue, ...attributes] = cookie.split('; ');
      expect(nameValue).toBe(`tessera_refresh=${pair.refresh}`);
      expect(attributes).toEqual(
        expect.arrayContaining(['Max-Age=604800', 'Path=/auth', 'HttpOnly', 'SameSite=Strict']),
      );
      // Not production: no Secure, so the cookie works on http://localhost.
      expect(attributes).not.toContain('Secure');
    });

    it('stores the refresh token only as its SHA-256', async () => {
      const pair = await login(await newUser());
      const rows = await db.select().from(refreshTokens).where(eq(refreshTokens.accessJti, pair.jti));
      expect(rows).toHaveLength(1);
      expect(rows[0].tokenHash).toBe(hashRefreshToken(pair.refresh));
      const everything = JSON.stringify([
        await db.select().from(refreshTokens),
        await db.select().from(sessionFamilies),
      ]);
      expect(everything).not.toContain(pair.refresh);
    });
  });

  describe('POST /auth/refresh', () => {
    it('rotates: a new pair and cookie, and the new access token works', async () => {
      const first = await login(await newUser());
      const res = await refresh(first.refresh);
      const second = pairOf(res);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(second.refresh).not.toBe(first.refresh);
      expect(second.jti).not.toBe(first.jti);
      expect(refreshCookie(res)).toMatch(new RegExp(`^tessera_refresh=${second.refresh};`));
      expect(await me(second.access)).toBe(200);
      expect(decodeJwt(second.access).sub).toBe(decodeJwt(first.access).sub);
    });

    it('refreshes with the cookie alone when the request is JSON', async () => {
      const first = await login(await newUser());
      const res = await call('POST', '/auth/refresh', { body: {}, cookie: `tessera_refresh=${first.refresh}` });
      const second = pairOf(res);
      expect(refreshCookie(res)).toMatch(new RegExp(`^tessera_refresh=${second.refresh};`));
    });

    it('refuses a cookie refresh that is not a JSON request, as a cross-site form would send it', async () => {
      const first = await login(await newUser());
      const cookie = `tessera_refresh=${first.refresh}`;
      const bare = await call('POST', '/auth/refresh', { cookie });
      expect(bare.status).toBe(415);
      expect(bare.body).toMatchObject({ status: 415 });
      for (const contentType of [
        'application/x-www-form-urlencoded',
        'text/plain',
        'multipart/form-data; boundary=x',
      ]) {
        const form = await call('POST', '/auth/refresh', { cookie, body: '', contentType });
        expect(form.status).toBe(415);
      }
      // Neither attempt spent the token.
      pairOf(await refresh(first.refresh));
    });

    it('refuses a null or non-string refresh_token with 400 validation_failed, leaving the cookie unspent', async () => {
      const first = await login(await newUser());
      const cookie = `tessera_refresh=${first.refresh}`;
      for (const body of [{ refresh_token: null }, { refresh_token: [first.refresh] }, null]) {
        const res = await call('POST', '/auth/refresh', { body, cookie });
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ status: 400, code: 'validation_failed' });
      }
      pairOf(await refresh(first.refresh));
    });

    it('refuses a body and a cookie that differ, and a request with neither: 400 invalid_request', async () => {
      const a = await login(await newUser());
      const b = await login(await newUser());
      const both = await call('POST', '/auth/refresh', {
        body: { refresh_token: a.refresh },
        cookie: `tessera_refresh=${b.refresh}`,
      });
      expect(both.status).toBe(400);
      expect(both.body).toMatchObject({ status: 400, code: 'invalid_request' });
      expect(both.text).not.toContain(a.refresh);
      const neither = await call('POST', '/auth/refresh', { body: {} });
      expect(neither.status).toBe(400);
      expect(neither.body).toMatchObject({ code: 'invalid_request' });
      // The same token twice is not ambiguous.
      pairOf(
        await call('POST', '/auth/refresh', {
          body: { refresh_token: a.refresh },
          cookie: `tessera_refresh=${a.refresh}`,
        }),
      );
    });

    it('refuses an unknown or malformed token with the same 401 invalid_grant', async () => {
      const unknown = await refresh('A'.repeat(43));
      const malformed = await refresh('not a refresh token');
      expectInvalidGrant(unknown);
      expect(malformed.text).toBe(unknown.text);
      expect(malformed.headers.get('www-authenticate')).toBe(unknown.headers.get('www-authenticate'));
    });

    it('lets exactly one of ten parallel refreshes with one token win, without ending the session', async () => {
      const first = await login(await newUser());
      const results = await Promise.all(Array.from({ length: 10 }, () => refresh(first.refresh)));
      const won = results.filter((r) => r.status === 200);
      expect(won).toHaveLength(1);
      for (const lost of results.filter((r) => r.status !== 200)) {
        expectInvalidGrant(lost, first.refresh);
        // The loser leaves the cookie alone: it must not delete the winner's new one.
        expect(refreshCookie(lost)).toBeUndefined();
      }
      const winner = pairOf(won[0]);
      expect(await me(winner.access)).toBe(200);
      pairOf(await refresh(winner.refresh));
    });

    it('treats a rotated token presented after the grace window as theft: the session and its tokens are revoked', async () => {
      const first = await login(await newUser());
      const second = pairOf(await refresh(first.refresh));
      expect(await probeVerdict(second.access, 'accepted')).toBe('accepted');
      // The rotation happened a minute ago, well past the 10-second grace window.
      await db
        .update(refreshTokens)
        .set({ usedAt: sql`${refreshTokens.usedAt} - interval '1 minute'` })
        .where(eq(refreshTokens.tokenHash, hashRefreshToken(first.refresh)));

      expectInvalidGrant(await refresh(first.refresh), first.refresh);
      // The holder of the newest token (the thief, or the user) is out as well...
      expectInvalidGrant(await refresh(second.refresh), second.refresh);
      // ...and the family's access tokens are revoked everywhere, not only at auth.
      expect(await revocationEntry(RevocationKeys.jti(second.jti))).toEqual({ exp: decodeJwt(second.access).exp });
      expect(await me(second.access)).toBe(401);
      expect(await probeVerdict(second.access, 'refused')).toBe('refused');
    });

    it('refuses a token past its idle lifetime, and one whose session is past its absolute lifetime', async () => {
      const idle = await login(await newUser());
      await db
        .update(refreshTokens)
        .set({ expiresAt: sql`now() - interval '1 second'` })
        .where(eq(refreshTokens.tokenHash, hashRefreshToken(idle.refresh)));
      expectInvalidGrant(await refresh(idle.refresh));

      const old = await login(await newUser());
      const [row] = await db.select().from(refreshTokens).where(eq(refreshTokens.accessJti, old.jti));
      await db
        .update(sessionFamilies)
        .set({ absoluteExpiresAt: sql`now() - interval '1 second'` })
        .where(eq(sessionFamilies.id, row.familyId));
      expectInvalidGrant(await refresh(old.refresh));
    });
  });

  describe('POST /auth/logout', () => {
    it('revokes the access token everywhere right after answering, ends the session and clears the cookie', async () => {
      const email = await newUser();
      const pair = await login(email);
      const sibling = await login(email);
      expect(await probeVerdict(pair.access, 'accepted')).toBe('accepted');

      const res = await call('POST', '/auth/logout', { token: pair.access });
      expect(res.status).toBe(204);
      const cleared = refreshCookie(res)!;
      expect(cleared).toMatch(/^tessera_refresh=;/);
      expect(cleared).toContain('Max-Age=0');
      expect(cleared).toContain('Path=/auth');

      // In the namespaced KV bucket right after the commit (the outbox relay is kicked at once).
      expect(await revocationEntry(RevocationKeys.jti(pair.jti))).toEqual({ exp: decodeJwt(pair.access).exp });
      expect(await me(pair.access)).toBe(401);
      expect(await probeVerdict(pair.access, 'refused')).toBe('refused');
      expectInvalidGrant(await refresh(pair.refresh));
      // Another session of the same user is not affected.
      expect(await me(sibling.access)).toBe(200);
      pairOf(await refresh(sibling.refresh));
    });

    it('revokes access tokens issued earlier in the session too', async () => {
      const first = await login(await newUser());
      const second = pairOf(await refresh(first.refresh));
      expect((await call('POST', '/auth/logout', { token: second.access })).status).toBe(204);
      expect(await me(first.access)).toBe(401);
      expect(await revocationEntry(RevocationKeys.jti(first.jti))).toBeDefined();
    });

    it('needs an access token', async () => {
      const res = await call('POST', '/auth/logout');
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    });
  });

  describe('POST /auth/logout-all', () => {
    it('revokes every token and session of the user, and a later login works', async () => {
      const email = await newUser();
      const other = await login(await newUser());
      const a = await login(email);
      const b = await login(email);
      const res = await call('POST', '/auth/logout-all', { token: a.access });
      expect(res.status).toBe(204);
      expect(refreshCookie(res)).toMatch(/^tessera_refresh=;/);

      const sub = decodeJwt(a.access).sub!;
      const revoked = await revocationEntry(RevocationKeys.subject(sub));
      expect(revoked).toEqual({ before: expect.any(Number) });
      for (const pair of [a, b]) {
        expect(await me(pair.access)).toBe(401);
        expectInvalidGrant(await refresh(pair.refresh));
      }
      expect(await probeVerdict(b.access, 'refused')).toBe('refused');
      expect(await me(other.access)).toBe(200);

      // Revoked-before has one-second resolution: a token from the same second is covered too,
      // so the next login must fall in a later second than `before`.
      await sleep(((revoked!.before as number) + 1) * 1000 - Date.now());
      expect(await me((await login(email)).access)).toBe(200);
    });
  });

  describe('POST /auth/password', () => {
    it('refuses a wrong current password with 403, and a weak new one with 400', async () => {
      const email = await newUser();
      const pair = await login(email);
      const wrong = await call('POST', '/auth/password', {
        token: pair.access,
        body: { currentPassword: 'not the password at all', newPassword: 'a new passphrase!' },
      });
      expect(wrong.status).toBe(403);
      expect(wrong.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(wrong.body).toMatchObject({ status: 403, code: 'wrong_current_password' });
      expect(wrong.text).not.toMatch(/not the password|new passphrase/);

      const weak = await call('POST', '/auth/password', {
        token: pair.access,
        body: { currentPassword: password, newPassword: 'short' },
      });
      expect(weak.status).toBe(400);
      expect(weak.text).not.toContain(password);
      expect(await me(pair.access)).toBe(200);
      await login(email);
    });

    it('refuses a common new password or the email itself: 400 password_too_common, nothing changes', async () => {
      const email = await newUser();
      const mine = await login(email);
      const other = await login(email);
      const storedHash = async () =>
        (await db.select({ hash: userRows.passwordHash }).from(userRows).where(eq(userRows.email, email)))[0]?.hash;
      const before = await storedHash();
      for (const newPassword of ['password1234', '111111111111', 'QWERTYUIOP12', email.toUpperCase()]) {
        const res = await call('POST', '/auth/password', {
          token: mine.access,
          body: { currentPassword: password, newPassword },
        });
        expect(res.status).toBe(400);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ status: 400, code: 'password_too_common' });
        expect(res.text).not.toContain(password);
      }
      // The stored password is the old one, which still signs in, and no other session ended.
      expect(await storedHash()).toBe(before);
      await login(email);
      expect(await me(other.access)).toBe(200);
      pairOf(await refresh(other.refresh));
    });

    it('changes the password and ends every other session, keeping this one', async () => {
      const email = await newUser();
      const mine = await login(email);
      const other = await login(email);
      const newPassword = 'an entirely new passphrase';
      const res = await call('POST', '/auth/password', {
        token: mine.access,
        body: { currentPassword: password, newPassword },
      });
      expect(res.status).toBe(204);

      expect(await me(other.access)).toBe(401);
      expect(await revocationEntry(RevocationKeys.jti(other.jti))).toBeDefined();
      expectInvalidGrant(await refresh(other.refresh));
      expect(await me(mine.access)).toBe(200);
      pairOf(await refresh(mine.refresh));

      expect((await call('POST', '/auth/login', { body: { email, password } })).status).toBe(401);
      await login(email, undefined, newPassword);
    });

    it('needs an access token', async () => {
      const res = await call('POST', '/auth/password', { body: { currentPassword: password, newPassword: password } });
      expect(res.status).toBe(401);
    });
  });

  describe('GET and DELETE /auth/sessions', () => {
    it("lists the user's live sessions and marks the current one", async () => {
      const email = await newUser();
      const phone = await login(email, 'Phone/1.0');
      const laptop = await login(email, 'Laptop/2.0');
      const ended = await login(email, 'Old/0.1');
      expect((await call('POST', '/auth/logout', { token: ended.access })).status).toBe(204);
      await login(await newUser(), 'Someone else');

      const res = await call('GET', '/auth/sessions', { token: laptop.access });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const list = JSON.parse(res.text) as Record<string, unknown>[];
      expect(list).toHaveLength(2);
      expect(list).toEqual(
        expect.arrayContaining([
          {
            id: expect.any(String),
            createdAt: expect.any(String),
            lastUsedAt: expect.any(String),
            userAgent: 'Laptop/2.0',
            clientAddress: '127.0.0.1',
            clientId: 'tessera-web',
            current: true,
          },
          expect.objectContaining({ userAgent: 'Phone/1.0', current: false }),
        ]),
      );
      expect(res.text).not.toContain(phone.refresh);
    });

    it('ends one session: its tokens stop working, the others go on', async () => {
      const email = await newUser();
      const phone = await login(email, 'Phone/1.0');
      const laptop = await login(email, 'Laptop/2.0');
      const list = JSON.parse((await call('GET', '/auth/sessions', { token: laptop.access })).text) as {
        id: string;
        userAgent: string;
      }[];
      const phoneSession = list.find((s) => s.userAgent === 'Phone/1.0')!;

      expect((await call('DELETE', `/auth/sessions/${phoneSession.id}`, { token: laptop.access })).status).toBe(204);
      expect(await me(phone.access)).toBe(401);
      expectInvalidGrant(await refresh(phone.refresh));
      const after = JSON.parse((await call('GET', '/auth/sessions', { token: laptop.access })).text) as unknown[];
      expect(after).toEqual([expect.objectContaining({ userAgent: 'Laptop/2.0', current: true })]);
      // Ending it again: it is no longer there.
      expect((await call('DELETE', `/auth/sessions/${phoneSession.id}`, { token: laptop.access })).status).toBe(404);
    });

    it("answers 404 for another user's session and for an id that is not one", async () => {
      const victim = await login(await newUser());
      const [row] = await db.select().from(refreshTokens).where(eq(refreshTokens.accessJti, victim.jti));
      const attacker = await login(await newUser());
      const res = await call('DELETE', `/auth/sessions/${row.familyId}`, { token: attacker.access });
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ status: 404, code: 'session_not_found' });
      expect((await call('DELETE', '/auth/sessions/not-a-session', { token: attacker.access })).status).toBe(404);
      expect(await me(victim.access)).toBe(200);
      pairOf(await refresh(victim.refresh));
    });

    it('needs an access token', async () => {
      expect((await call('GET', '/auth/sessions')).status).toBe(401);
    });
  });
});
