import type { OutboxRelay } from '@tessera/platform';
import { Logger } from '@nestjs/common';
import { createPrincipal, InvalidTokenError } from '@tessera/auth';
import { eq } from 'drizzle-orm';

import type { SessionFixture } from '../../test/session-fixture';
import { createSessionFixture } from '../../test/session-fixture';
import { users } from '../database/schema';
import type { IssuedSession } from '../sessions/refresh-tokens.service';
import { OWASP_ARGON2ID, PasswordHasher } from './password-hasher.service';
import { UsersService } from './users.service';
import { WrongCurrentPasswordError } from './password.errors';
import { PasswordService } from './password.service';
import { LoginAttemptsService } from '../abuse/login-attempts.service';
import { CommonPasswords } from './common-passwords';

describe('PasswordService', () => {
  let f: SessionFixture;
  let usersService: UsersService;
  let hasher: PasswordHasher;
  let passwords: PasswordService;
  const oldPassword = 'correct horse battery';
  const newPassword = 'a brand new passphrase';

  const principalOf = (sub: string, s: IssuedSession) =>
    createPrincipal({ sub, roles: ['user'], scopes: [], jti: s.accessToken.jti, exp: s.accessToken.expiresAt }, 't');

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
    passwords = new PasswordService(
      usersService,
      hasher,
      f.families,
      new LoginAttemptsService(f.handle.db, f.config),
      new CommonPasswords(),
    );
  });

  afterAll(async () => {
    await f.close();
  });

  beforeEach(() => {
    f.published.jtis.length = 0;
  });

  it('changes the password and ends every other session, keeping the current one', async () => {
    const user = await usersService.register({ email: 'ada@example.com', password: oldPassword });
    const current = await f.refresh.start(user, {});
    const other = await f.refresh.start(user, {});
    await passwords.change(principalOf(user.id, current), oldPassword, newPassword);

    const [row] = await f.handle.db.select().from(users).where(eq(users.id, user.id));
    expect(await hasher.verify(row.passwordHash, newPassword)).toBe(true);
    expect(await hasher.verify(row.passwordHash, oldPassword)).toBe(false);
    expect(f.published.jtis).toEqual([{ jti: other.accessToken.jti, exp: other.accessToken.expiresAt }]);
    await expect(f.refresh.rotate(other.refreshToken)).rejects.toMatchObject({ reason: 'session_ended' });
    await expect(f.refresh.rotate(current.refreshToken)).resolves.toMatchObject({ familyId: current.familyId });
  });

  it('refuses a wrong current password with a 403 and changes nothing', async () => {
    const user = await usersService.register({ email: 'bob@example.com', password: oldPassword });
    const current = await f.refresh.start(user, {});
    const other = await f.refresh.start(user, {});
    const error = await passwords
      .change(principalOf(user.id, current), 'not my password', newPassword)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WrongCurrentPasswordError);
    expect(error).toMatchObject({ status: 403, code: 'wrong_current_password' });
    const [row] = await f.handle.db.select().from(users).where(eq(users.id, user.id));
    expect(await hasher.verify(row.passwordHash, oldPassword)).toBe(true);
    expect(f.published.jtis).toEqual([]);
    await expect(f.refresh.rotate(other.refreshToken)).resolves.toBeDefined();
  });

  it('refuses a disabled account as if its token were invalid', async () => {
    const user = await usersService.register({ email: 'off@example.com', password: oldPassword });
    const current = await f.refresh.start(user, {});
    await f.handle.db.update(users).set({ disabled: true }).where(eq(users.id, user.id));
    await expect(passwords.change(principalOf(user.id, current), oldPassword, newPassword)).rejects.toThrow(
      InvalidTokenError,
    );
  });
});
