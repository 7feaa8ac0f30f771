import { Logger } from '@nestjs/common';
import { eq } from 'drizzle-orm';
import { decodeJwt } from 'jose';

import type { SessionFixture } from '../../test/session-fixture';
import { createSessionFixture } from '../../test/session-fixture';
import { refreshTokens, sessionFamilies, users } from '../database/schema';
import { InvalidGrantError } from './sessions.errors';
import { hashRefreshToken } from './refresh-token';

const DAY = 86_400_000;
const t0 = new Date('2030-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

describe('RefreshTokensService', () => {
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

  async function family(id: string) {
    const [row] = await f.handle.db.select().from(sessionFamilies).where(eq(sessionFamilies.id, id));
    return row;
  }

  it('starts a family whose refresh token is stored only as its SHA-256', async () => {
    const user = await f.createUser();
    const session = await f.refresh.start(user, { userAgent: 'curl/8', clientAddress: '127.0.0.1' }, t0);
    expect(session.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session.refreshExpiresAt).toEqual(at(7 * DAY));
    const rows = await f.handle.db.select().from(refreshTokens).where(eq(refreshTokens.familyId, session.familyId));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      tokenHash: hashRefreshToken(session.refreshToken),
      accessJti: session.accessToken.jti,
      usedAt: null,
    });
    expect(JSON.stringify(rows)).not.toContain(session.refreshToken);
    expect(await family(session.familyId)).toMatchObject({
      userId: user.id,
      userAgent: 'curl/8',
      clientIp: '127.0.0.1',
      absoluteExpiresAt: at(30 * DAY),
      revokedAt: null,
    });
  });

  it('rotates into a new pair in the same family, with the roles the account has now', async () => {
    const user = await f.createUser();
    const first = await f.refresh.start(user, {}, t0);
    await f.handle.db
      .update(users)
      .set({ roles: ['user', 'admin'] })
      .where(eq(users.id, user.id));
    const second = await f.refresh.rotate(first.refreshToken, at(60_000));
    expect(second.familyId).toBe(first.familyId);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken.jti).not.toBe(first.accessToken.jti);
    expect(decodeJwt(second.accessToken.token)).toMatchObject({ sub: user.id, roles: ['user', 'admin'] });
    const [old] = await f.handle.db
      .select()
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, hashRefreshToken(first.refreshToken)));
    expect(old.usedAt).toEqual(at(60_000));
    expect((await family(first.familyId)).lastUsedAt).toEqual(at(60_000));
  });

  it('lets exactly one of ten concurrent rotations win; the losers leave the family alive', async () => {
    const first = await f.refresh.start(await f.createUser(), {}, t0);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () => f.refresh.rotate(first.refreshToken, at(1000))),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') {
        expect(r.reason).toBeInstanceOf(InvalidGrantError);
        expect(r.reason).toMatchObject({ reason: 'superseded', status: 401 });
      }
    }
    expect((await family(first.familyId)).revokedAt).toBeNull();
    await expect(f.refresh.rotate(won[0].value.refreshToken, at(2000))).resolves.toMatchObject({
      familyId: first.familyId,
    });
    expect(f.published.jtis).toEqual([]);
  });

  it('treats a rotated token presented after the grace window as theft and ends the family', async () => {
    const first = await f.refresh.start(await f.createUser(), {}, t0);
    const second = await f.refresh.rotate(first.refreshToken, at(60_000));
    const replay = at(60_000 + 10_001);
    await expect(f.refresh.rotate(first.refreshToken, replay)).rejects.toMatchObject({ reason: 'reused' });
    expect(await family(first.familyId)).toMatchObject({ revokedAt: replay, revokedReason: 'reuse_detected' });
    // Both access tokens of the family are still within their 15 minutes: both are revoked.
    expect(f.published.jtis).toEqual(
      expect.arrayContaining([
        { jti: first.accessToken.jti, exp: first.accessToken.expiresAt },
        { jti: second.accessToken.jti, exp: second.accessToken.expiresAt },
      ]),
    );
    expect(f.published.jtis).toHaveLength(2);
    // The thief's (or the user's) newest token is dead too.
    await expect(f.refresh.rotate(second.refreshToken, at(70_002))).rejects.toMatchObject({
      reason: 'session_ended',
    });
  });

  it('revokes only the access tokens of the family that have not expired yet', async () => {
    const first = await f.refresh.start(await f.createUser(), {}, t0);
    const second = await f.refresh.rotate(first.refreshToken, at(20 * 60_000));
    await expect(f.refresh.rotate(first.refreshToken, at(21 * 60_000))).rejects.toThrow(InvalidGrantError);
    expect(f.published.jtis).toEqual([{ jti: second.accessToken.jti, exp: second.accessToken.expiresAt }]);
  });

  it('refuses a token left unused for longer than the idle lifetime', async () => {
    const first = await f.refresh.start(await f.createUser(), {}, t0);
    await expect(f.refresh.rotate(first.refreshToken, at(7 * DAY + 1))).rejects.toMatchObject({ reason: 'expired' });
    // Expiry is not theft: nothing is revoked, and the verdict does not change on a second try.
    await expect(f.refresh.rotate(first.refreshToken, at(7 * DAY + 2))).rejects.toMatchObject({ reason: 'expired' });
    expect(f.published.jtis).toEqual([]);
  });

  it('keeps a family alive while it is used, but never past its absolute lifetime', async () => {
    let session = await f.refresh.start(await f.createUser(), {}, t0);
    for (let day = 6; day < 30; day += 6) {
      session = await f.refresh.rotate(session.refreshToken, at(day * DAY));
    }
    // Rotated on day 24: the idle window would reach day 31, the family ends on day 30.
    expect(session.refreshExpiresAt).toEqual(at(30 * DAY));
    await expect(f.refresh.rotate(session.refreshToken, at(30 * DAY))).rejects.toMatchObject({ reason: 'expired' });
  });

  it('refuses unknown and malformed tokens alike', async () => {
    await expect(f.refresh.rotate('A'.repeat(43), t0)).rejects.toMatchObject({ reason: 'unknown', status: 401 });
    await expect(f.refresh.rotate('not a token', t0)).rejects.toMatchObject({ reason: 'malformed', status: 401 });
    const a = await f.refresh.rotate('A'.repeat(43), t0).catch((e: unknown) => e);
    const b = await f.refresh.rotate('x', t0).catch((e: unknown) => e);
    expect(a).toEqual(b);
  });

  it('refuses a refresh for a disabled account, and consumes nothing', async () => {
    const user = await f.createUser();
    const first = await f.refresh.start(user, {}, t0);
    await f.handle.db.update(users).set({ disabled: true }).where(eq(users.id, user.id));
    await expect(f.refresh.rotate(first.refreshToken, at(1000))).rejects.toMatchObject({
      reason: 'account_disabled',
    });
    const [row] = await f.handle.db
      .select()
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, hashRefreshToken(first.refreshToken)));
    expect(row.usedAt).toBeNull();
  });

  it('refuses a refresh in a family that has been ended', async () => {
    const first = await f.refresh.start(await f.createUser(), {}, t0);
    await f.families.revokeFamily(first.familyId, 'logout', at(1000));
    await expect(f.refresh.rotate(first.refreshToken, at(2000))).rejects.toMatchObject({ reason: 'session_ended' });
  });
});
