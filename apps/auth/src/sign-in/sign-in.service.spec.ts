import { randomBytes } from 'node:crypto';

import type { OutboxRelay } from '@tessera/platform';
import { Logger } from '@nestjs/common';
import type { Principal } from '@tessera/auth';
import { createPrincipal, InvalidTokenError } from '@tessera/auth';
import argon2 from 'argon2';
import { eq } from 'drizzle-orm';

import type { SessionFixture } from '../../test/session-fixture';
import { createSessionFixture } from '../../test/session-fixture';
import { sessionFamilies, users } from '../database/schema';
import type { IssuedSession } from '../sessions/refresh-tokens.service';
import { OWASP_ARGON2ID, PasswordHasher } from '../accounts/password-hasher.service';
import { UsersService } from '../accounts/users.service';
import { InvalidCredentialsError } from './sign-in.errors';
import { SignInService } from './sign-in.service';
import { TooManyAttemptsError } from '../abuse/abuse.errors';
import { DeviceTrust } from '../abuse/device-trust.service';
import { LoginAttemptsService } from '../abuse/login-attempts.service';
import { CommonPasswords } from '../accounts/common-passwords';

function principalOf(session: IssuedSession, sub: string): Principal {
  const { jti, expiresAt } = session.accessToken;
  return createPrincipal({ sub, roles: ['user'], scopes: [], jti, exp: expiresAt }, session.accessToken.token);
}

describe('SignInService', () => {
  let f: SessionFixture;
  let usersService: UsersService;
  let sessions: SignInService;
  let hasher: PasswordHasher;
  const password = 'correct horse battery';

  beforeAll(async () => {
    Logger.overrideLogger(false);
    f = await createSessionFixture();
    hasher = new PasswordHasher(OWASP_ARGON2ID);
    await hasher.onModuleInit();
    usersService = new UsersService(
      f.handle.db,
      hasher,
      { flush: () => undefined } as unknown as OutboxRelay,
      new CommonPasswords(),
    );
    sessions = new SignInService(
      usersService,
      hasher,
      f.refresh,
      f.families,
      new LoginAttemptsService(f.handle.db, f.config),
      f.audit,
      new DeviceTrust(f.config, randomBytes(32)),
    );
  });

  afterAll(async () => {
    await f.close();
  });

  beforeEach(() => {
    f.published.jtis.length = 0;
    f.published.subjects.length = 0;
  });

  async function familyRow(id: string) {
    const [row] = await f.handle.db.select().from(sessionFamilies).where(eq(sessionFamilies.id, id));
    return row;
  }

  it('logs a user in with the right password and starts a session', async () => {
    const user = await usersService.register({ email: 'ada@example.com', password });
    const session = await sessions.login('ada@Example.com', password, { userAgent: 'Firefox', clientAddress: '::1' });
    expect(session.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.accessToken.expiresIn).toBe(900);
    expect(await familyRow(session.familyId)).toMatchObject({ userId: user.id, userAgent: 'Firefox', clientIp: '::1' });
  });

  it('gives the same error for a wrong password, an unknown email and a disabled account', async () => {
    await usersService.register({ email: 'off@example.com', password });
    await f.handle.db.update(users).set({ disabled: true }).where(eq(users.email, 'off@example.com'));
    const attempts = [
      sessions.login('ada@example.com', 'wrong password!'),
      sessions.login('nobody@example.com', password),
      sessions.login('off@example.com', password),
    ];
    const errors = await Promise.all(
      attempts.map((p) =>
        p.then(
          () => undefined,
          (e: unknown) => e,
        ),
      ),
    );
    for (const error of errors) {
      expect(error).toBeInstanceOf(InvalidCredentialsError);
      expect(error).toEqual(errors[0]);
    }
  });

  it('runs a password verification even when the email is unknown', async () => {
    const verify = jest.spyOn(hasher, 'verify');
    await expect(sessions.login('nobody@example.com', password)).rejects.toThrow(InvalidCredentialsError);
    expect(verify).toHaveBeenCalledWith(undefined, password);
    verify.mockRestore();
  });

  it('refuses a locked account with 429 before any lookup or password hashing', async () => {
    await usersService.register({ email: 'locked@example.com', password });
    for (let i = 0; i < f.config.LOGIN_ACCOUNT_MAX_FAILURES; i++) {
      await expect(sessions.login('locked@example.com', 'wrong password!')).rejects.toThrow(InvalidCredentialsError);
    }
    const verify = jest.spyOn(hasher, 'verify');
    const find = jest.spyOn(usersService, 'findByEmail');
    await expect(sessions.login('locked@example.com', password)).rejects.toThrow(TooManyAttemptsError);
    expect(verify).not.toHaveBeenCalled();
    expect(find).not.toHaveBeenCalled();
    verify.mockRestore();
    find.mockRestore();
  });

  describe('password hash upgrade', () => {
    async function userWithWeakHash(email: string): Promise<string> {
      const weak = await argon2.hash(password, {
        type: argon2.argon2id,
        memoryCost: 8192,
        timeCost: 1,
        parallelism: 1,
      });
      await usersService.register({ email, password });
      await f.handle.db.update(users).set({ passwordHash: weak }).where(eq(users.email, email));
      return weak;
    }

    async function storedHash(email: string): Promise<string> {
      const [row] = await f.handle.db.select().from(users).where(eq(users.email, email));
      return row.passwordHash;
    }

    it('rehashes a password stored with weaker parameters at a successful login', async () => {
      const weak = await userWithWeakHash('weak@example.com');
      await sessions.login('weak@example.com', password);
      const upgraded = await storedHash('weak@example.com');
      expect(upgraded).not.toBe(weak);
      expect(upgraded).toMatch(/^\$argon2id\$v=19\$m=19456,/);
      expect(hasher.needsRehash(upgraded)).toBe(false);
      expect(await hasher.verify(upgraded, password)).toBe(true);
      // The next login keeps it as it is.
      await sessions.login('weak@example.com', password);
      expect(await storedHash('weak@example.com')).toBe(upgraded);
    });

    it('leaves the weak hash alone after a failed login', async () => {
      const weak = await userWithWeakHash('weak2@example.com');
      await expect(sessions.login('weak2@example.com', 'not the password')).rejects.toThrow(InvalidCredentialsError);
      expect(await storedHash('weak2@example.com')).toBe(weak);
    });

    it('still logs the user in when storing the new hash fails', async () => {
      const weak = await userWithWeakHash('weak3@example.com');
      const replace = jest.spyOn(usersService, 'replacePasswordHash').mockRejectedValueOnce(new Error('db down'));
      try {
        await expect(sessions.login('weak3@example.com', password)).resolves.toMatchObject({
          refreshToken: expect.any(String),
        });
      } finally {
        replace.mockRestore();
      }
      expect(await storedHash('weak3@example.com')).toBe(weak);
    });

    it('never overwrites a password changed between the check and the rehash', async () => {
      const weak = await userWithWeakHash('weak4@example.com');
      const [row] = await f.handle.db.select().from(users).where(eq(users.email, 'weak4@example.com'));
      const changed = await hasher.hash('the new password of weak4');
      await f.handle.db.update(users).set({ passwordHash: changed }).where(eq(users.id, row.id));
      expect(await usersService.replacePasswordHash(row.id, weak, await hasher.hash(password))).toBe(false);
      expect(await storedHash('weak4@example.com')).toBe(changed);
    });
  });

  it('refuses a login when the account is disabled after the password check', async () => {
    await usersService.register({ email: 'race@example.com', password });
    const start = jest.spyOn(f.refresh, 'start');
    const verify = jest.spyOn(hasher, 'verify').mockImplementationOnce(async (stored, pw) => {
      const matches = await hasher.verify(stored, pw);
      await f.handle.db.update(users).set({ disabled: true }).where(eq(users.email, 'race@example.com'));
      return matches;
    });
    try {
      await expect(sessions.login('race@example.com', password)).rejects.toThrow(InvalidCredentialsError);
      expect(start).toHaveBeenCalledTimes(1);
    } finally {
      verify.mockRestore();
      start.mockRestore();
    }
  });

  it('logs out: revokes the presented token and ends its session, no other', async () => {
    const user = await usersService.findByEmail('ada@example.com');
    const first = await sessions.login('ada@example.com', password);
    const rotated = await sessions.refreshSession(first.refreshToken);
    const other = await sessions.login('ada@example.com', password);
    await sessions.logout(principalOf(rotated, user!.id));
    expect(f.published.jtis).toEqual(
      expect.arrayContaining([
        { jti: first.accessToken.jti, exp: first.accessToken.expiresAt },
        { jti: rotated.accessToken.jti, exp: rotated.accessToken.expiresAt },
      ]),
    );
    expect(f.published.jtis.map((j) => j.jti)).not.toContain(other.accessToken.jti);
    expect(await familyRow(first.familyId)).toMatchObject({ revokedReason: 'logout' });
    expect((await familyRow(other.familyId)).revokedAt).toBeNull();
    await expect(sessions.refreshSession(rotated.refreshToken)).rejects.toMatchObject({ code: 'invalid_grant' });
  });

  it('logs out a token that belongs to no session by revoking the token alone', async () => {
    const principal = createPrincipal({ sub: 'x', roles: [], scopes: [], jti: 'orphan', exp: 42 }, 't');
    await sessions.logout(principal);
    expect(f.published.jtis).toEqual([{ jti: 'orphan', exp: 42 }]);
  });

  it('logs out everywhere: every session ended and one revoked-before entry for the user', async () => {
    const user = await usersService.register({ email: 'all@example.com', password });
    const a = await sessions.login('all@example.com', password);
    const b = await sessions.login('all@example.com', password);
    await sessions.logoutAll(principalOf(a, user.id));
    expect(f.published.subjects).toEqual([{ sub: user.id, before: expect.any(Number) }]);
    expect(await familyRow(a.familyId)).toMatchObject({ revokedReason: 'logout_all' });
    expect(await familyRow(b.familyId)).toMatchObject({ revokedReason: 'logout_all' });
    await expect(sessions.refreshSession(b.refreshToken)).rejects.toMatchObject({ status: 401 });
  });

  it('answers /auth/me from the database, not from the token', async () => {
    const user = await usersService.register({ email: 'me@example.com', password });
    await f.handle.db
      .update(users)
      .set({ roles: ['user', 'admin'] })
      .where(eq(users.id, user.id));
    await expect(sessions.me(user.id)).resolves.toEqual({
      id: user.id,
      email: 'me@example.com',
      roles: ['user', 'admin'],
    });
  });

  it('refuses /auth/me for a disabled or unknown account', async () => {
    const [off] = await f.handle.db.select().from(users).where(eq(users.email, 'off@example.com'));
    await expect(sessions.me(off.id)).rejects.toThrow(InvalidTokenError);
    await expect(sessions.me('00000000-0000-4000-8000-000000000000')).rejects.toThrow(InvalidTokenError);
  });
});
