import { Logger } from '@nestjs/common';
import { InvalidTokenError } from '@tessera/auth';
import type { DatabaseHandle } from '@tessera/platform';
import { eq } from 'drizzle-orm';

import { openTestDatabase } from '../../test/test-database';
import type * as schema from '../database/schema';
import { users } from '../database/schema';
import type { IssuedAccessToken, TokenIssuer } from '../tokens/token-issuer.service';
import { OWASP_ARGON2ID, PasswordHasher } from '../users/password-hasher.service';
import { UsersService } from '../users/users.service';
import { InvalidCredentialsError } from './sessions.errors';
import { SessionsService } from './sessions.service';

describe('SessionsService', () => {
  let handle: DatabaseHandle<typeof schema>;
  let usersService: UsersService;
  let sessions: SessionsService;
  let hasher: PasswordHasher;
  const issued: { sub: string; roles: readonly string[] }[] = [];
  const password = 'correct horse battery';

  beforeAll(async () => {
    Logger.overrideLogger(false);
    handle = await openTestDatabase();
    hasher = new PasswordHasher(OWASP_ARGON2ID);
    await hasher.onModuleInit();
    usersService = new UsersService(handle.db, hasher);
    const tokens = {
      issueAccessToken: async (subject: { sub: string; roles: readonly string[] }): Promise<IssuedAccessToken> => {
        issued.push(subject);
        return { token: 'signed', jti: 'j', expiresIn: 900, expiresAt: 0 };
      },
    } as unknown as TokenIssuer;
    sessions = new SessionsService(usersService, hasher, tokens);
  });

  afterAll(async () => {
    await handle.close();
  });

  it('logs a user in with the right password', async () => {
    const user = await usersService.register({ email: 'ada@example.com', password });
    await expect(sessions.login('ada@Example.com', password)).resolves.toEqual({
      access_token: 'signed',
      token_type: 'Bearer',
      expires_in: 900,
    });
    expect(issued.at(-1)).toEqual({ sub: user.id, roles: ['user'] });
  });

  it('gives the same error for a wrong password, an unknown email and a disabled account', async () => {
    await usersService.register({ email: 'off@example.com', password });
    await handle.db.update(users).set({ disabled: true }).where(eq(users.email, 'off@example.com'));
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

  it('answers /auth/me from the database, not from the token', async () => {
    const user = await usersService.register({ email: 'me@example.com', password });
    await handle.db
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
    const [off] = await handle.db.select().from(users).where(eq(users.email, 'off@example.com'));
    await expect(sessions.me(off.id)).rejects.toThrow(InvalidTokenError);
    await expect(sessions.me('00000000-0000-4000-8000-000000000000')).rejects.toThrow(InvalidTokenError);
  });
});
