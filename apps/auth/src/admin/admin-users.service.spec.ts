import path from 'node:path';

import { Logger } from '@nestjs/common';
import { Subjects } from '@tessera/contracts';
import type { OutboxRelay } from '@tessera/platform';
import { encodeCursor, INVALID_CURSOR, openDatabase, outboxEvents } from '@tessera/platform';
import { testDatabaseTargets } from '@tessera/platform/testing';
import { eq, ne } from 'drizzle-orm';

import type { SessionFixture } from '../../test/session-fixture';
import { createSessionFixture } from '../../test/session-fixture';
import * as schema from '../database/schema';
import { sessionFamilies, users } from '../database/schema';
import { Role } from '../accounts/roles';
import { REVOCATION_OUTBOX_SUBJECT } from '../revocations/revocation';
import { AdminErrorCode } from './admin.errors';
import { AdminUsersService } from './admin-users.service';

describe('AdminUsersService', () => {
  let f: SessionFixture;
  let admin: AdminUsersService;
  let actor: { id: string };
  const flush = jest.fn();

  beforeAll(async () => {
    Logger.overrideLogger(false);
    f = await createSessionFixture({}, { flush } as unknown as OutboxRelay);
    admin = new AdminUsersService(f.handle.db, f.families, f.revocations);
  });

  afterAll(async () => {
    await f.close();
  });

  beforeEach(async () => {
    await f.handle.db.delete(users);
    await f.handle.db.delete(outboxEvents);
    actor = await f.createUser([Role.User, Role.Admin]);
    f.published.jtis.length = 0;
    f.published.subjects.length = 0;
    flush.mockClear();
  });

  const revocationRows = async () =>
    (await f.handle.db.select().from(outboxEvents).where(eq(outboxEvents.subject, REVOCATION_OUTBOX_SUBJECT))).map(
      (r) => r.payload,
    );
  const rowOf = async (id: string) => (await f.handle.db.select().from(users).where(eq(users.id, id)))[0];
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => 'resolved',
      (e: { code?: string; status?: number }) => `${e.status} ${e.code}`,
    );

  describe('list', () => {
    it('pages through every account oldest first, each exactly once', async () => {
      for (let i = 0; i < 4; i++) {
        await f.createUser();
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await admin.list(2, cursor);
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((u) => u.id));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      const all = await f.handle.db.select().from(users);
      expect(seen).toHaveLength(all.length);
      expect(new Set(seen)).toEqual(new Set(all.map((u) => u.id)));
      expect(seen[0]).toBe(actor.id);
    });

    it('shows id, email, roles, disabled and creation time, never the password hash', async () => {
      const page = await admin.list(10);
      expect(page).toEqual({
        items: [
          {
            id: actor.id,
            email: expect.stringContaining('@example.com'),
            roles: ['user', 'admin'],
            disabled: false,
            createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
          },
        ],
        nextCursor: null,
      });
      expect(JSON.stringify(page)).not.toContain('not-a-hash');
    });

    it('refuses a cursor it did not issue, and one naming no account', async () => {
      for (const cursor of [
        'nonsense',
        `${encodeCursor([actor.id])}x`,
        encodeCursor(['00000000-0000-4000-8000-000000000000']),
      ]) {
        expect(await codeOf(admin.list(10, cursor))).toBe(`400 ${INVALID_CURSOR}`);
      }
    });
  });

  describe('update', () => {
    it('disables: one transaction with auth.user.disabled.v1, then every session and token revoked', async () => {
      const user = await f.createUser();
      const a = await f.refresh.start(user, {});
      const b = await f.refresh.start(user, {});
      const view = await admin.update(actor.id, user.id, { disabled: true });
      expect(view).toMatchObject({ id: user.id, disabled: true, roles: ['user'] });
      expect((await rowOf(user.id)).disabled).toBe(true);

      const events = await f.handle.db
        .select()
        .from(outboxEvents)
        .where(eq(outboxEvents.subject, Subjects.UserDisabled));
      expect(events).toEqual([
        expect.objectContaining({
          subject: Subjects.UserDisabled,
          payload: { userId: user.id, occurredAt: expect.any(String) },
        }),
      ]);
      // Each of the user's sessions is announced as ended too (auth.session.revoked.v1).
      const ended = await f.handle.db
        .select()
        .from(outboxEvents)
        .where(eq(outboxEvents.subject, Subjects.SessionRevoked));
      expect(ended.map((e) => (e.payload as { sessionId: string }).sessionId).sort()).toEqual(
        [a.familyId, b.familyId].sort(),
      );
      expect(new Date((events[0].payload as { occurredAt: string }).occurredAt).toISOString()).toBe(
        (events[0].payload as { occurredAt: string }).occurredAt,
      );
      expect(flush).toHaveBeenCalled();
      expect(f.published.subjects).toEqual([{ sub: user.id, before: expect.any(Number) }]);
      // Committed with the disable, in its transaction: durable before NATS hears of it.
      expect(await revocationRows()).toEqual([{ sub: user.id, before: f.published.subjects[0].before }]);
      const families = await f.handle.db.select().from(sessionFamilies).where(eq(sessionFamilies.userId, user.id));
      expect(families.map((r) => r.revokedReason)).toEqual(['account_disabled', 'account_disabled']);
      for (const session of [a, b]) {
        await expect(f.refresh.rotate(session.refreshToken)).rejects.toMatchObject({ code: 'invalid_grant' });
      }
      await expect(f.refresh.start(user, {})).rejects.toMatchObject({ reason: 'account_disabled' });
    });

    it('disables again without a second event, but revokes again', async () => {
      const user = await f.createUser();
      await admin.update(actor.id, user.id, { disabled: true });
      await admin.update(actor.id, user.id, { disabled: true });
      expect(
        await f.handle.db.select().from(outboxEvents).where(eq(outboxEvents.subject, Subjects.UserDisabled)),
      ).toHaveLength(1);
      expect(f.published.subjects).toHaveLength(2);
    });

    it('re-enables without revoking anything, and the account can start a session again', async () => {
      const user = await f.createUser();
      await admin.update(actor.id, user.id, { disabled: true });
      f.published.subjects.length = 0;
      expect(await admin.update(actor.id, user.id, { disabled: false })).toMatchObject({ disabled: false });
      expect(f.published.subjects).toEqual([]);
      await expect(f.refresh.start(user, {})).resolves.toBeDefined();
    });

    it('changes roles: stored in one order, the old tokens revoked, the sessions kept', async () => {
      const user = await f.createUser();
      const session = await f.refresh.start(user, {});
      expect(await admin.update(actor.id, user.id, { roles: [Role.Admin, Role.User] })).toMatchObject({
        roles: ['user', 'admin'],
      });
      expect(f.published.subjects).toEqual([{ sub: user.id, before: expect.any(Number) }]);
      expect(await revocationRows()).toEqual([{ sub: user.id, before: expect.any(Number) }]);
      expect(
        await f.handle.db.select().from(outboxEvents).where(ne(outboxEvents.subject, REVOCATION_OUTBOX_SUBJECT)),
      ).toEqual([]);
      // The session lives on, and its next token carries the new roles.
      const next = await f.refresh.rotate(session.refreshToken);
      expect(next.familyId).toBe(session.familyId);
    });

    it('revokes nothing when the roles are the same set', async () => {
      const user = await f.createUser([Role.User, Role.Admin]);
      await admin.update(actor.id, user.id, { roles: [Role.Admin, Role.User] });
      await admin.update(actor.id, user.id, {});
      expect(f.published.subjects).toEqual([]);
    });

    it('refuses an admin disabling or demoting themself with 409, changing nothing', async () => {
      expect(await codeOf(admin.update(actor.id, actor.id, { disabled: true }))).toBe(
        `409 ${AdminErrorCode.CannotDisableSelf}`,
      );
      expect(await codeOf(admin.update(actor.id, actor.id, { roles: [Role.User] }))).toBe(
        `409 ${AdminErrorCode.CannotDemoteSelf}`,
      );
      expect(await rowOf(actor.id)).toMatchObject({ disabled: false, roles: ['user', 'admin'] });
      expect(f.published.subjects).toEqual([]);
      // Keeping the own admin role is fine.
      await expect(
        admin.update(actor.id, actor.id, { roles: [Role.User, Role.Admin], disabled: false }),
      ).resolves.toMatchObject({ id: actor.id });
    });

    it('answers 404 for an unknown account', async () => {
      expect(await codeOf(admin.update(actor.id, '00000000-0000-4000-8000-000000000000', { disabled: true }))).toBe(
        `404 ${AdminErrorCode.UserNotFound}`,
      );
    });
  });
});

// The row locks are what decides here, so on PostgreSQL too whenever one is configured.
describe.each(testDatabaseTargets())('AdminUsersService on $name', (target) => {
  it('never leaves the system without an enabled admin when two admins demote each other at once', async () => {
    Logger.overrideLogger(false);
    const database = await target.create();
    const handle = await openDatabase({
      url: database.url,
      dataDir: database.dataDir,
      migrationsFolder: path.join(__dirname, '..', '..', 'migrations'),
      schema,
    });
    try {
      const revokeNothing = {
        revokeUserFamilies: async () => [],
        enqueue: async () => undefined,
        committed: () => undefined,
      };
      const admin = new AdminUsersService(handle.db, revokeNothing as never, revokeNothing as never);
      // Several rounds on a warm pool, so the two transactions really overlap on PostgreSQL.
      await Promise.all(Array.from({ length: 4 }, () => handle.db.select().from(users)));
      for (let round = 0; round < 10; round++) {
        await handle.db.delete(users);
        const [a, b] = await handle.db
          .insert(users)
          .values([
            { email: 'a@example.com', passwordHash: 'x', roles: [Role.User, Role.Admin] },
            { email: 'b@example.com', passwordHash: 'x', roles: [Role.User, Role.Admin] },
          ])
          .returning();
        const results = await Promise.allSettled([
          admin.update(a.id, b.id, { roles: [Role.User] }),
          admin.update(b.id, a.id, { disabled: true }),
        ]);
        expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
        expect(results.find((r) => r.status === 'rejected')).toMatchObject({
          reason: { status: 409, code: AdminErrorCode.LastAdmin },
        });
        const admins = (await handle.db.select().from(users)).filter((u) => !u.disabled && u.roles.includes('admin'));
        expect(admins).toHaveLength(1);
      }
    } finally {
      await handle.close();
      await database.drop();
    }
  });
});
