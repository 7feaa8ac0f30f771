import { Logger } from '@nestjs/common';
import { eq } from 'drizzle-orm';

import type { SessionFixture } from '../../test/session-fixture';
import { createSessionFixture } from '../../test/session-fixture';
import { Subjects } from '@tessera/contracts';
import { outboxEvents } from '@tessera/platform';

import { sessionFamilies } from '../database/schema';
import { REVOCATION_OUTBOX_SUBJECT } from '../revocations/revocation';
import { InvalidGrantError, SessionNotFoundError } from './sessions.errors';

const t0 = new Date('2030-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const MINUTE = 60_000;

describe('SessionFamiliesService', () => {
  let f: SessionFixture;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    f = await createSessionFixture();
  });

  afterAll(async () => {
    await f.close();
  });

  beforeEach(() => {
    f.published.jtis.length = 0;
  });

  it('finds the family an access token was issued from, before and after rotation', async () => {
    const first = await f.refresh.start(await f.createUser(), {}, t0);
    const second = await f.refresh.rotate(first.refreshToken, at(MINUTE));
    expect(await f.families.familyOfAccessToken(first.accessToken.jti)).toBe(first.familyId);
    expect(await f.families.familyOfAccessToken(second.accessToken.jti)).toBe(first.familyId);
    expect(await f.families.familyOfAccessToken('no-such-jti')).toBeUndefined();
  });

  it('ends the session of a refresh token, current or rotated, with its live access tokens', async () => {
    const first = await f.refresh.start(await f.createUser(), {}, t0);
    const second = await f.refresh.rotate(first.refreshToken, at(MINUTE));
    expect(await f.families.revokeByRefreshToken(first.refreshToken, at(2 * MINUTE))).toBe(true);
    const [family] = await f.handle.db.select().from(sessionFamilies).where(eq(sessionFamilies.id, first.familyId));
    expect(family).toMatchObject({ revokedAt: at(2 * MINUTE), revokedReason: 'token_revoked' });
    expect(f.published.jtis.map((j) => j.jti).sort()).toEqual([first.accessToken.jti, second.accessToken.jti].sort());
    await expect(f.refresh.rotate(second.refreshToken, at(3 * MINUTE))).rejects.toThrow();
  });

  it('ends nothing for a refresh token it does not know', async () => {
    expect(await f.families.revokeByRefreshToken('A'.repeat(43))).toBe(false);
    expect(await f.families.revokeByRefreshToken('not a refresh token')).toBe(false);
    expect(f.published.jtis).toEqual([]);
  });

  it('lists the live sessions of a user, newest use first, and marks the current one', async () => {
    const user = await f.createUser();
    const phone = await f.refresh.start(user, { userAgent: 'Phone', clientAddress: '10.0.0.1' }, t0);
    const laptop = await f.refresh.start(user, { userAgent: 'Laptop', clientAddress: '10.0.0.2' }, at(MINUTE));
    const ended = await f.refresh.start(user, { userAgent: 'Old' }, at(MINUTE));
    await f.families.revokeFamily(ended.familyId, 'logout', at(2 * MINUTE));
    await f.refresh.start(await f.createUser(), { userAgent: 'Someone else' }, t0);

    const list = await f.families.list(user.id, phone.accessToken.jti, at(3 * MINUTE));
    expect(list).toEqual([
      {
        id: laptop.familyId,
        createdAt: at(MINUTE).toISOString(),
        lastUsedAt: at(MINUTE).toISOString(),
        userAgent: 'Laptop',
        clientAddress: '10.0.0.2',
        clientId: 'tessera-web',
        current: false,
      },
      {
        id: phone.familyId,
        createdAt: t0.toISOString(),
        lastUsedAt: t0.toISOString(),
        userAgent: 'Phone',
        clientAddress: '10.0.0.1',
        clientId: 'tessera-web',
        current: true,
      },
    ]);
  });

  it('leaves out sessions past their idle or absolute lifetime', async () => {
    const user = await f.createUser();
    const session = await f.refresh.start(user, {}, t0);
    expect(await f.families.list(user.id, session.accessToken.jti, at(7 * 86_400_000 - 1))).toHaveLength(1);
    expect(await f.families.list(user.id, session.accessToken.jti, at(7 * 86_400_000))).toEqual([]);
  });

  it("ends one of the user's sessions and revokes the access tokens it issued", async () => {
    const user = await f.createUser();
    const session = await f.refresh.start(user, {}, t0);
    await f.families.end(user.id, session.familyId, at(MINUTE));
    expect(f.published.jtis).toEqual([{ jti: session.accessToken.jti, exp: session.accessToken.expiresAt }]);
    const [row] = await f.handle.db.select().from(sessionFamilies).where(eq(sessionFamilies.id, session.familyId));
    expect(row).toMatchObject({ revokedAt: at(MINUTE), revokedReason: 'session_ended' });
  });

  it('queues the revocations of an ended session in the outbox, in the transaction that ends it', async () => {
    await f.handle.db.delete(outboxEvents);
    const user = await f.createUser();
    const session = await f.refresh.start(user, {}, t0);
    await f.families.end(user.id, session.familyId, at(MINUTE));
    const queued = await f.handle.db
      .select()
      .from(outboxEvents)
      .where(eq(outboxEvents.subject, REVOCATION_OUTBOX_SUBJECT));
    expect(queued.map((r) => r.payload)).toEqual([
      { jti: session.accessToken.jti, exp: session.accessToken.expiresAt },
    ]);
  });

  it('announces each ended session as auth.session.revoked.v1 in the same transaction', async () => {
    await f.handle.db.delete(outboxEvents);
    const user = await f.createUser();
    const a = await f.refresh.start(user, {}, t0);
    const b = await f.refresh.start(user, {}, t0);
    await f.families.end(user.id, a.familyId, at(MINUTE));
    // Ending it again is a 404 and announces nothing more.
    await expect(f.families.end(user.id, a.familyId, at(2 * MINUTE))).rejects.toBeInstanceOf(SessionNotFoundError);
    const events = await f.handle.db
      .select()
      .from(outboxEvents)
      .where(eq(outboxEvents.subject, Subjects.SessionRevoked));
    expect(events.map((e) => e.payload)).toEqual([
      { userId: user.id, sessionId: a.familyId, reason: 'session_ended', occurredAt: at(MINUTE).toISOString() },
    ]);
    expect(b.familyId).not.toBe(a.familyId);
  });

  it("answers 404 for another user's session, an ended one, and an id that is not one", async () => {
    const owner = await f.createUser();
    const other = await f.createUser();
    const session = await f.refresh.start(owner, {}, t0);
    await expect(f.families.end(other.id, session.familyId, at(MINUTE))).rejects.toThrow(SessionNotFoundError);
    await expect(f.families.end(owner.id, 'not-a-uuid', at(MINUTE))).rejects.toThrow(SessionNotFoundError);
    expect(f.published.jtis).toEqual([]);
    await f.families.end(owner.id, session.familyId, at(MINUTE));
    await expect(f.families.end(owner.id, session.familyId, at(MINUTE))).rejects.toMatchObject({ status: 404 });
  });

  it('ends every session of a user but the one kept', async () => {
    const user = await f.createUser();
    const kept = await f.refresh.start(user, {}, t0);
    const a = await f.refresh.start(user, {}, t0);
    const b = await f.refresh.start(user, {}, t0);
    const stranger = await f.refresh.start(await f.createUser(), {}, t0);
    const ended = await f.families.revokeUserFamilies(user.id, 'password_changed', { except: kept.familyId }, at(1));
    expect(ended.sort()).toEqual([a.familyId, b.familyId].sort());
    expect(f.published.jtis.map((j) => j.jti).sort()).toEqual([a.accessToken.jti, b.accessToken.jti].sort());
    expect(await f.families.list(user.id, kept.accessToken.jti, at(2))).toEqual([
      expect.objectContaining({ id: kept.familyId, current: true }),
    ]);
    // Another user's session is untouched.
    await expect(f.refresh.rotate(stranger.refreshToken, at(3))).resolves.toBeDefined();
  });

  it('can leave access tokens to a subject-wide revocation', async () => {
    const user = await f.createUser();
    await f.refresh.start(user, {}, t0);
    const ended = await f.families.revokeUserFamilies(user.id, 'logout_all', { revokeAccessTokens: false }, at(1));
    expect(ended).toHaveLength(1);
    expect(f.published.jtis).toEqual([]);
  });

  it('ends every session of a user and revokes the whole subject, leaving other users alone', async () => {
    const user = await f.createUser();
    const a = await f.refresh.start(user, {}, t0);
    const b = await f.refresh.start(user, {}, t0);
    const stranger = await f.refresh.start(await f.createUser(), {}, t0);
    f.published.subjects.length = 0;
    const ended = await f.families.endAll(user.id, 'session_ended', at(1));
    expect(ended.sort()).toEqual([a.familyId, b.familyId].sort());
    // One revoked-before entry covers every access token, so none is revoked one by one.
    expect(f.published.subjects).toEqual([{ sub: user.id, before: expect.any(Number) }]);
    expect(f.published.jtis).toEqual([]);
    expect(await f.families.list(user.id, '', at(2))).toEqual([]);
    await expect(f.refresh.rotate(a.refreshToken, at(3))).rejects.toBeInstanceOf(InvalidGrantError);
    await expect(f.refresh.rotate(stranger.refreshToken, at(3))).resolves.toBeDefined();
    // A user with no session still gets the subject revocation: tokens may outlive sessions.
    expect(await f.families.endAll(user.id, 'session_ended', at(4))).toEqual([]);
    expect(f.published.subjects).toHaveLength(2);
  });

  it('prunes finished families once every access token they issued has expired', async () => {
    const user = await f.createUser();
    const live = await f.refresh.start(user, {}, t0);
    const loggedOut = await f.refresh.start(user, {}, t0);
    await f.families.revokeFamily(loggedOut.familyId, 'logout', at(MINUTE));
    const stale = await f.refresh.start(user, {}, at(-8 * 86_400_000));

    const familyIds = async () =>
      (
        await f.handle.db
          .select({ id: sessionFamilies.id })
          .from(sessionFamilies)
          .where(eq(sessionFamilies.userId, user.id))
      )
        .map((r) => r.id)
        .sort();
    // Two minutes in, the logged-out family's access token is still valid: it stays.
    await f.families.prune(at(2 * MINUTE));
    expect(await familyIds()).toEqual([live.familyId, loggedOut.familyId].sort());
    expect(await familyIds()).not.toContain(stale.familyId);
    await f.families.prune(at(16 * MINUTE));
    expect(await familyIds()).toEqual([live.familyId]);
  });
});
