import { eq, sql } from 'drizzle-orm';
import { testDatabaseTargets } from '@tessera/platform/testing';

import { users } from '../src/database/schema';
import type { AuthAppFixture } from './auth-app.fixture';
import { startAuthApp } from './auth-app.fixture';

const email = 'leak-check.person@example.test';
const password = 'a passphrase that must never be logged';
const newPassword = 'another passphrase never logged';
/** A constraint every new or changed row of `users` violates: each write fails in PostgreSQL. */
const CONSTRAINT = 'users_test_refuses_writes';

for (const target of testDatabaseTargets()) {
  describe(`log lines of a failed database write on ${target.name}`, () => {
    const lines: string[] = [];
    let auth: AuthAppFixture;

    beforeAll(async () => {
      auth = await startAuthApp(target, { logLines: lines });
    });

    afterAll(() => auth?.close());

    it('name the SQLSTATE, constraint and table, never the email, password hash or password written', async () => {
      const registered = await auth.call('POST', '/auth/register', { body: { email, password } });
      expect(registered.status).toBe(201);
      const login = await auth.call('POST', '/auth/login', { body: { email, password } });
      expect(login.status).toBe(200);
      const token = login.body.access_token as string;
      const [{ hash }] = await auth.db.select({ hash: users.passwordHash }).from(users).where(eq(users.email, email));
      expect(hash).toMatch(/^\$argon2id\$/);

      await auth.db.execute(sql.raw(`alter table users add constraint ${CONSTRAINT} check (false) not valid`));
      try {
        // An insert (email, new hash) and an update (new hash) that PostgreSQL refuses.
        const other = await auth.call('POST', '/auth/register', {
          body: { email: `second.${email}`, password },
        });
        const change = await auth.call('POST', '/auth/password', {
          token,
          body: { currentPassword: password, newPassword },
        });
        for (const res of [other, change]) {
          expect(res.status).toBe(500);
          expect(res.headers.get('content-type')).toContain('application/problem+json');
          expect(res.text).not.toContain(email);
        }
      } finally {
        await auth.db.execute(sql.raw(`alter table users drop constraint ${CONSTRAINT}`));
      }

      const text = lines.join('\n');
      for (const secret of [email, password, newPassword, hash, '$argon2id$', 'Failing row', 'params']) {
        expect(text).not.toContain(secret);
      }
      const failures = lines.filter((line) => line.includes(CONSTRAINT));
      expect(failures.length).toBeGreaterThanOrEqual(2);
      for (const line of failures) {
        expect(line).toContain('23514');
        expect(line).toContain('table users');
      }
    });
  });
}
