import { Subjects } from '@tessera/contracts';
import type { DatabaseHandle, OutboxRelay } from '@tessera/platform';
import { outboxEvents } from '@tessera/platform';

import { openTestDatabase } from '../../test/test-database';
import type * as schema from '../database/schema';
import { users } from '../database/schema';
import { OWASP_ARGON2ID, PasswordHasher } from './password-hasher.service';
import { EmailTakenError, InvalidEmailError } from './users.errors';
import { UsersService } from './users.service';
import { CommonPasswords } from './common-passwords';

describe('UsersService', () => {
  let handle: DatabaseHandle<typeof schema>;
  let service: UsersService;
  const flush = jest.fn();
  const password = 'correct horse battery';

  beforeAll(async () => {
    handle = await openTestDatabase();
    const hasher = new PasswordHasher(OWASP_ARGON2ID);
    await hasher.onModuleInit();
    service = new UsersService(handle.db, hasher, { flush } as unknown as OutboxRelay, new CommonPasswords());
  });

  beforeEach(async () => {
    await handle.db.delete(users);
    await handle.db.delete(outboxEvents);
    flush.mockClear();
  });

  afterAll(async () => {
    await handle.close();
  });

  it('registers a user with the default role, the email as typed and its canonical form', async () => {
    const user = await service.register({ email: '  Ada@Example.COM ', password });
    expect(user).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), email: 'Ada@Example.COM', roles: ['user'] });
    const [row] = await handle.db.select().from(users);
    expect(row).toMatchObject({ email: 'Ada@Example.COM', canonicalEmail: 'ada@example.com' });
  });

  it('refuses an address with an invisible character before anything is stored', async () => {
    await expect(service.register({ email: 'a\u200Bda@example.com', password })).rejects.toBeInstanceOf(
      InvalidEmailError,
    );
    expect(await handle.db.select().from(users)).toEqual([]);
  });

  it('commits auth.user.registered.v1 with the account, without the e-mail, and kicks the relay', async () => {
    const user = await service.register({ email: 'ada@example.com', password, displayName: 'Ada' });
    const events = await handle.db.select().from(outboxEvents);
    expect(events).toEqual([
      expect.objectContaining({
        subject: Subjects.UserRegistered,
        payload: { userId: user.id, displayName: 'Ada', occurredAt: expect.any(String) },
      }),
    ]);
    expect(flush).toHaveBeenCalledTimes(1);
  });

  it('writes no event when the e-mail is taken', async () => {
    await service.register({ email: 'ada@example.com', password });
    await expect(service.register({ email: 'ada@example.com', password })).rejects.toBeInstanceOf(EmailTakenError);
    expect(await handle.db.select().from(outboxEvents)).toHaveLength(1);
  });

  it('stores an argon2id hash, never the password', async () => {
    await service.register({ email: 'ada@example.com', password, displayName: 'Ada' });
    const [row] = await handle.db.select().from(users);
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    expect(JSON.stringify(row)).not.toContain(password);
    expect(row).toMatchObject({ displayName: 'Ada', disabled: false });
  });

  it('refuses an email that is taken, in any spelling', async () => {
    await service.register({ email: 'ada@example.com', password });
    for (const email of ['ada@EXAMPLE.com', 'Ada@example.com', '"ada"@example.com', '\uff41da@example.com']) {
      await expect(service.register({ email, password })).rejects.toThrow(EmailTakenError);
    }
    expect(await handle.db.select().from(users)).toHaveLength(1);
  });

  it('lets exactly one of two concurrent registrations win', async () => {
    const results = await Promise.allSettled([
      service.register({ email: 'race@example.com', password }),
      service.register({ email: 'race@example.com', password }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected');
    expect(rejected?.reason).toBeInstanceOf(EmailTakenError);
  });

  it('finds users by email in any spelling', async () => {
    const { id } = await service.register({ email: 'ada@example.com', password });
    expect((await service.findByEmail(' ada@Example.com'))?.id).toBe(id);
    expect((await service.findByEmail('ADA@example.com'))?.id).toBe(id);
    expect(await service.findByEmail('ada2@example.com')).toBeUndefined();
    expect(await service.findByEmail('a\u200Bda@example.com')).toBeUndefined();
  });

  it('treats an id that is not a UUID as unknown instead of failing the query', async () => {
    expect(await service.findById('client:orders')).toBeUndefined();
  });
});
