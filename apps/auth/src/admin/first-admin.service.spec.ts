import { Logger } from '@nestjs/common';
import type { DatabaseHandle, OutboxRelay } from '@tessera/platform';
import { ConfigValidationError, outboxEvents } from '@tessera/platform';

import { openTestDatabase } from '../../test/test-database';
import { loadAuthConfig } from '../config/auth.config';
import type * as schema from '../database/schema';
import { users } from '../database/schema';
import { OWASP_ARGON2ID, PasswordHasher } from '../accounts/password-hasher.service';
import { UsersService } from '../accounts/users.service';
import { DEVELOPMENT_ADMIN_EMAIL, FirstAdminService } from './first-admin.service';
import { CommonPasswords } from '../accounts/common-passwords';

describe('FirstAdminService', () => {
  let handle: DatabaseHandle<typeof schema>;
  let hasher: PasswordHasher;
  let usersService: UsersService;
  const output = jest.fn<void, [string]>();
  const adminPassword = 'the first admin password';

  function firstAdmin(env: Record<string, string>): FirstAdminService {
    return new FirstAdminService(
      loadAuthConfig({ NODE_ENV: 'test', ...env }),
      usersService,
      hasher,
      output,
      new CommonPasswords(),
    );
  }

  const rows = () => handle.db.select().from(users);

  beforeAll(async () => {
    Logger.overrideLogger(false);
    handle = await openTestDatabase();
    hasher = new PasswordHasher(OWASP_ARGON2ID);
    await hasher.onModuleInit();
    usersService = new UsersService(
      handle.db,
      hasher,
      { flush: () => undefined } as unknown as OutboxRelay,
      new CommonPasswords(),
    );
  });

  beforeEach(async () => {
    await handle.db.delete(users);
    await handle.db.delete(outboxEvents);
    output.mockClear();
  });

  afterAll(async () => {
    await handle.close();
  });

  it('creates ADMIN_EMAIL with roles user and admin, announced like any registration', async () => {
    await firstAdmin({ ADMIN_EMAIL: 'Root@Example.COM', ADMIN_PASSWORD: adminPassword }).ensureAdmin();
    const [admin] = await rows();
    expect(admin).toMatchObject({
      email: 'Root@Example.COM',
      canonicalEmail: 'root@example.com',
      roles: ['user', 'admin'],
      disabled: false,
    });
    expect(await hasher.verify(admin.passwordHash, adminPassword)).toBe(true);
    expect(await handle.db.select().from(outboxEvents)).toEqual([
      expect.objectContaining({
        subject: 'auth.user.registered.v1',
        payload: expect.objectContaining({ userId: admin.id }),
      }),
    ]);
    expect(output).not.toHaveBeenCalled();
  });

  it('does nothing once an admin exists: no second admin, no password reset', async () => {
    await firstAdmin({ ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: adminPassword }).ensureAdmin();
    await firstAdmin({ ADMIN_EMAIL: 'other@example.com', ADMIN_PASSWORD: 'another long password' }).ensureAdmin();
    await firstAdmin({ ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'a changed password!' }).ensureAdmin();
    const all = await rows();
    expect(all.map((u) => u.email)).toEqual(['root@example.com']);
    expect(await hasher.verify(all[0].passwordHash, adminPassword)).toBe(true);
  });

  it('in development without settings, creates the development admin and prints its password once', async () => {
    await firstAdmin({ NODE_ENV: 'development' }).ensureAdmin();
    expect(output).toHaveBeenCalledTimes(1);
    const text = output.mock.calls[0][0];
    expect(text).toContain('Development default');
    expect(text).toContain(DEVELOPMENT_ADMIN_EMAIL);
    const password = /password: (\S+)/.exec(text)?.[1] ?? '';
    expect(password.length).toBeGreaterThanOrEqual(12);
    const [admin] = await rows();
    expect(admin).toMatchObject({ email: DEVELOPMENT_ADMIN_EMAIL, roles: ['user', 'admin'] });
    expect(await hasher.verify(admin.passwordHash, password)).toBe(true);

    // The next start finds the admin and prints nothing.
    await firstAdmin({ NODE_ENV: 'development' }).ensureAdmin();
    expect(output).toHaveBeenCalledTimes(1);
    expect(await rows()).toHaveLength(1);
  });

  it('in test mode without settings, creates nothing', async () => {
    await firstAdmin({}).ensureAdmin();
    expect(await rows()).toEqual([]);
    expect(output).not.toHaveBeenCalled();
  });

  it('in production without settings, refuses to start while no admin exists, and starts once one does', async () => {
    const production = {
      NODE_ENV: 'production',
      AUTH_DATABASE_URL: 'postgres://auth@db/auth',
      AUTH_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
      SERVICE_CLIENT_SECRET_ORDERS: 'o'.repeat(32),
      SERVICE_CLIENT_SECRET_PROFILE: 'p'.repeat(32),
      NATS_USER: 'auth',
      NATS_PASSWORD: 'n'.repeat(32),
      SMTP_URL: 'smtp://mail.example.com:587',
      MAIL_FROM: 'Tessera <no-reply@example.com>',
    };
    const error = await firstAdmin(production)
      .ensureAdmin()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect((error as ConfigValidationError).problems).toEqual([
      expect.stringContaining('ADMIN_EMAIL and ADMIN_PASSWORD are required in production'),
    ]);
    expect(await rows()).toEqual([]);

    await firstAdmin({ ...production, ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: adminPassword }).ensureAdmin();
    await expect(firstAdmin(production).ensureAdmin()).resolves.toBeUndefined();
  });

  it('makes an existing account with that email the admin only when ADMIN_PASSWORD is its password', async () => {
    const { id } = await usersService.register({ email: 'root@example.com', password: 'someone else chose this' });
    const error = await firstAdmin({ ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: adminPassword })
      .ensureAdmin()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect(String((error as Error).message)).not.toContain(adminPassword);
    expect((await rows())[0].roles).toEqual(['user']);

    await handle.db.update(users).set({ disabled: true });
    await firstAdmin({ ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'someone else chose this' }).ensureAdmin();
    expect(await rows()).toEqual([expect.objectContaining({ id, roles: ['user', 'admin'], disabled: false })]);
  });

  it('refuses to start with a common ADMIN_PASSWORD or one equal to ADMIN_EMAIL, naming ADMIN_PASSWORD', async () => {
    for (const [email, password] of [
      ['root@example.com', 'password1234'],
      ['root@example.com', 'qwertyuiop12'],
      ['Root.Admin@Example.com', 'root.admin@example.com'],
    ]) {
      const error = await firstAdmin({ ADMIN_EMAIL: email, ADMIN_PASSWORD: password })
        .ensureAdmin()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigValidationError);
      expect((error as ConfigValidationError).problems).toEqual([
        expect.stringContaining('ADMIN_PASSWORD is too common'),
      ]);
      expect(String((error as Error).message)).not.toContain(password);
    }
    expect(await rows()).toEqual([]);
  });

  it('refuses an ADMIN_EMAIL with an invisible character, and finds the admin by any spelling', async () => {
    const error = await firstAdmin({ ADMIN_EMAIL: 'ro\u200Bot@example.com', ADMIN_PASSWORD: adminPassword })
      .ensureAdmin()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect((error as ConfigValidationError).problems).toEqual([expect.stringContaining('ADMIN_EMAIL')]);
    expect(await rows()).toEqual([]);

    await firstAdmin({ ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: adminPassword }).ensureAdmin();
    await handle.db.update(users).set({ roles: ['user'] });
    await firstAdmin({ ADMIN_EMAIL: 'ROOT@Example.com', ADMIN_PASSWORD: adminPassword }).ensureAdmin();
    expect(await rows()).toEqual([expect.objectContaining({ email: 'root@example.com', roles: ['user', 'admin'] })]);
  });

  it('lets two replicas start at once: one admin, neither fails', async () => {
    const env = { ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: adminPassword };
    await Promise.all([firstAdmin(env).ensureAdmin(), firstAdmin(env).ensureAdmin()]);
    expect(await rows()).toEqual([expect.objectContaining({ roles: ['user', 'admin'] })]);
  });
});
