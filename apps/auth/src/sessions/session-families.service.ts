import { Inject, Injectable, Logger } from '@nestjs/common';
import { type SessionRevocationReason, type SessionRevokedEvent, Subjects } from '@tessera/contracts';
import { DATABASE, enqueueEvent, isUuid } from '@tessera/platform';
import type { SQL } from 'drizzle-orm';
import { and, desc, eq, exists, gt, inArray, isNull, ne, not, notExists, sql } from 'drizzle-orm';

import type { AuthDatabase } from '../database/auth-database';
import { oidcPayloads, refreshTokens, sessionFamilies } from '../database/schema';
import type { Revocation } from '../revocations/revocation';
import { revokedBeforeNow } from '../revocations/revocation';
import { RevocationQueue } from '../revocations/revocation-queue.service';
import { SessionNotFoundError } from './sessions.errors';
import { hashRefreshToken, isRefreshTokenFormat } from './refresh-token';

/** Why a session ended; the same names travel in `auth.session.revoked.v1`. */
export type SessionEndReason = SessionRevocationReason;

/** One live session as its owner sees it (`GET /auth/sessions`). */
export interface SessionView {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  userAgent: string | null;
  clientAddress: string | null;
  /** The application signed in: `tessera-web` for the console, else a registered client's id. */
  clientId: string;
  /** True for the session the request's access token was issued from. */
  current: boolean;
}

export interface RevokeOptions {
  /** Keep this family (the caller's own session, e.g. on a password change). */
  except?: string;
  /**
   * Also revoke, one `jti` at a time, the access tokens the families issued that have not yet
   * expired. False only when the caller revokes the whole subject in one entry instead.
   */
  revokeAccessTokens?: boolean;
}

/** What one revoking transaction does besides ending the families that match. */
interface RevokeWork {
  /** Revoke by `jti` the unexpired access tokens of the families ended. */
  accessTokens: boolean;
  /** Revocations that go with the change whatever it ends (the logging-out token itself). */
  tokens?: { jti: string; exp: number }[];
  /** Also revoke every token of this user issued until now, after the families are marked. */
  subject?: string;
}

/**
 * Refresh families as sessions: listing them, and ending them. Ending a family marks it revoked
 * (no refresh succeeds afterwards) and, in the same transaction, queues a revocation for every
 * access token it issued that could still be valid (RevocationQueue), so every service refuses
 * those tokens without asking auth once the outbox relay has put them in the revocations bucket
 * (right after the commit with NATS healthy, as soon as it is reachable again otherwise).
 */
@Injectable()
export class SessionFamiliesService {
  private readonly logger = new Logger('Sessions');

  constructor(
    @Inject(DATABASE) private readonly db: AuthDatabase,
    private readonly revocations: RevocationQueue,
  ) {}

  /** The family an access token was issued from; undefined for a token no family issued. */
  async familyOfAccessToken(jti: string): Promise<string | undefined> {
    const [row] = await this.db
      .select({ familyId: refreshTokens.familyId })
      .from(refreshTokens)
      .where(eq(refreshTokens.accessJti, jti))
      .limit(1);
    return row?.familyId;
  }

  /**
   * Ends the family a refresh token belongs to, with every access token it issued (RFC 7009
   * §2.1). Any token of the family counts, a rotated one too: whoever holds it could end the
   * session through reuse detection anyway. False when no family has such a token.
   */
  async revokeByRefreshToken(token: string, now = new Date()): Promise<boolean> {
    if (!isRefreshTokenFormat(token)) {
      return false;
    }
    const [row] = await this.db
      .select({ familyId: refreshTokens.familyId })
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, hashRefreshToken(token)))
      .limit(1);
    if (!row) {
      return false;
    }
    await this.revokeFamily(row.familyId, 'token_revoked', now);
    return true;
  }

  /** The user's live sessions, most recently used first. */
  async list(userId: string, currentJti: string, now = new Date()): Promise<SessionView[]> {
    const [rows, current] = await Promise.all([
      this.db
        .select()
        .from(sessionFamilies)
        .where(and(eq(sessionFamilies.userId, userId), this.live(now)))
        .orderBy(desc(sessionFamilies.lastUsedAt)),
      this.familyOfAccessToken(currentJti),
    ]);
    return rows.map((row) => ({
      id: row.id,
      createdAt: row.createdAt.toISOString(),
      lastUsedAt: row.lastUsedAt.toISOString(),
      userAgent: row.userAgent,
      clientAddress: row.clientIp,
      clientId: row.clientId,
      current: row.id === current,
    }));
  }

  /** Ends one of the user's live sessions; anything else (another user's, ended, unknown) is a 404. */
  async end(userId: string, familyId: string, now = new Date()): Promise<void> {
    if (!isUuid(familyId)) {
      throw new SessionNotFoundError();
    }
    const ended = await this.revokeWhere(
      and(eq(sessionFamilies.id, familyId), eq(sessionFamilies.userId, userId), this.live(now)),
      'session_ended',
      now,
      { accessTokens: true },
    );
    if (ended.length === 0) {
      throw new SessionNotFoundError();
    }
  }

  /** Ends one family, whoever owns it (logout, reuse detection). */
  revokeFamily(familyId: string, reason: SessionEndReason, now = new Date()): Promise<string[]> {
    return this.revokeWhere(eq(sessionFamilies.id, familyId), reason, now, { accessTokens: true });
  }

  /**
   * Logout: the access token itself is revoked in any case (it may come from a family already
   * pruned), and its family with every access token it issued, in one transaction. The family
   * ended, if any.
   */
  async logout(token: { jti: string; exp: number }, now = new Date()): Promise<string | undefined> {
    const familyId = await this.familyOfAccessToken(token.jti);
    await this.revokeWhere(familyId ? eq(sessionFamilies.id, familyId) : undefined, 'logout', now, {
      accessTokens: true,
      tokens: [{ jti: token.jti, exp: token.exp }],
    });
    return familyId;
  }

  /**
   * Ends the families an OpenID Provider grant started, with their access tokens: the provider
   * revokes a grant when its authorization code is replayed and when the user logs out there.
   */
  revokeByOidcGrant(grantId: string, now = new Date()): Promise<string[]> {
    return this.revokeWhere(eq(sessionFamilies.oidcGrantId, grantId), 'grant_revoked', now, { accessTokens: true });
  }

  /**
   * Ends every session signed in to a client, with its access tokens, and the provider's grants
   * to it: an operator removed the client, so nothing it holds may work any more.
   */
  async revokeClientFamilies(clientId: string, now = new Date()): Promise<string[]> {
    const ended = await this.revokeWhere(eq(sessionFamilies.clientId, clientId), 'client_removed', now, {
      accessTokens: true,
    });
    await this.db
      .delete(oidcPayloads)
      .where(and(eq(oidcPayloads.kind, 'Grant'), sql`${oidcPayloads.payload}->>'clientId' = ${clientId}`));
    return ended;
  }

  /**
   * Ends every family of a user, or every one but `options.except`, and the user's sign-ins at
   * the OpenID Provider, so that no application signs them in again without a password.
   */
  async revokeUserFamilies(
    userId: string,
    reason: SessionEndReason,
    options: RevokeOptions = {},
    now = new Date(),
  ): Promise<string[]> {
    const condition = options.except
      ? and(eq(sessionFamilies.userId, userId), ne(sessionFamilies.id, options.except))!
      : eq(sessionFamilies.userId, userId);
    const ended = await this.revokeWhere(condition, reason, now, { accessTokens: options.revokeAccessTokens ?? true });
    await this.endProviderSessions(userId);
    return ended;
  }

  /**
   * Ends every session of the user: the families first, so no refresh mints a new token, then
   * one revoked-before entry that covers every access token issued to them until now, whatever
   * issued it (verifiers refuse any token of a user issued before that time). The ids ended.
   */
  async endAll(userId: string, reason: SessionEndReason, now = new Date()): Promise<string[]> {
    const ended = await this.revokeWhere(eq(sessionFamilies.userId, userId), reason, now, {
      accessTokens: false,
      subject: userId,
    });
    await this.endProviderSessions(userId);
    return ended;
  }

  /**
   * Deletes the user's sessions at the OpenID Provider (its cookie then names nothing): after a
   * logout everywhere, a password change or a disabled account, single sign-on must ask again.
   */
  private async endProviderSessions(userId: string): Promise<void> {
    await this.db
      .delete(oidcPayloads)
      .where(and(eq(oidcPayloads.kind, 'Session'), sql`${oidcPayloads.payload}->>'accountId' = ${userId}`));
  }

  /**
   * Deletes families that are over (revoked, expired, or with no usable refresh token left)
   * and whose access tokens have all expired: nothing they issued is valid any more, so a
   * token of theirs presented later is simply unknown.
   */
  async prune(now = new Date()): Promise<number> {
    const deleted = await this.db
      .delete(sessionFamilies)
      .where(
        and(
          not(this.live(now)),
          notExists(
            this.db
              .select({ one: sql`1` })
              .from(refreshTokens)
              .where(and(eq(refreshTokens.familyId, sessionFamilies.id), gt(refreshTokens.accessExpiresAt, now))),
          ),
        ),
      )
      .returning({ id: sessionFamilies.id });
    return deleted.length;
  }

  /** Not revoked, within its absolute lifetime, and holding an unused refresh token within its idle lifetime. */
  private live(now: Date): SQL {
    return and(
      isNull(sessionFamilies.revokedAt),
      gt(sessionFamilies.absoluteExpiresAt, now),
      exists(
        this.db
          .select({ one: sql`1` })
          .from(refreshTokens)
          .where(
            and(
              eq(refreshTokens.familyId, sessionFamilies.id),
              isNull(refreshTokens.usedAt),
              gt(refreshTokens.expiresAt, now),
            ),
          ),
      ),
    )!;
  }

  /**
   * The conditional UPDATE is the decision: it takes each family's row lock, so a rotation in
   * flight either commits first (and its new access token is found below) or sees the family
   * revoked and fails. The revocations are read and queued after the families are marked, in the
   * same transaction, so a refresh can no longer mint a token that escapes them, and a commit
   * that ends a session always carries the revocations of its tokens.
   */
  private async revokeWhere(
    condition: SQL | undefined,
    reason: SessionEndReason,
    now: Date,
    work: RevokeWork,
  ): Promise<string[]> {
    const { ids, userId, revocations } = await this.db.transaction(async (tx) => {
      const rows = condition
        ? await tx
            .update(sessionFamilies)
            .set({ revokedAt: now, revokedReason: reason })
            .where(and(condition, isNull(sessionFamilies.revokedAt)))
            .returning({ id: sessionFamilies.id, userId: sessionFamilies.userId })
        : [];
      // Each ended session is announced (auth.session.revoked.v1) in the same transaction.
      for (const row of rows) {
        const event: SessionRevokedEvent = {
          userId: row.userId,
          sessionId: row.id,
          reason,
          occurredAt: now.toISOString(),
        };
        await enqueueEvent(tx, Subjects.SessionRevoked, event);
      }
      const ended = rows.map((r) => r.id);
      const queued = new Map<string, Revocation>();
      for (const token of work.tokens ?? []) {
        queued.set(`jti:${token.jti}`, token);
      }
      if (work.accessTokens && ended.length > 0) {
        const live = await tx
          .select({ jti: refreshTokens.accessJti, exp: refreshTokens.accessExpiresAt })
          .from(refreshTokens)
          .where(and(inArray(refreshTokens.familyId, ended), gt(refreshTokens.accessExpiresAt, now)));
        for (const t of live) {
          queued.set(`jti:${t.jti}`, { jti: t.jti, exp: Math.floor(t.exp.getTime() / 1000) });
        }
      }
      if (work.subject !== undefined) {
        // Read once the families are marked: every token a rotation minted is issued by now.
        queued.set(`sub:${work.subject}`, { sub: work.subject, before: revokedBeforeNow() });
      }
      await this.revocations.enqueue(tx, [...queued.values()]);
      return { ids: ended, userId: rows[0]?.userId, revocations: [...queued.values()] };
    });
    this.revocations.committed(revocations);
    if (ids.length === 0) {
      return [];
    }
    const entry = { msg: 'sessions revoked', reason, userId, sessions: ids };
    if (reason === 'reuse_detected') {
      this.logger.warn(entry);
    } else {
      this.logger.log(entry);
    }
    return ids;
  }
}
