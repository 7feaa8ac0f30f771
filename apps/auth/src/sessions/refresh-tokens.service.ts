import { Inject, Injectable, Optional } from '@nestjs/common';
import { CONSOLE_CLIENT_ID } from '@tessera/contracts';
import { DATABASE } from '@tessera/platform';
import { and, eq, gt, isNull } from 'drizzle-orm';

import { AuditTrail } from '../audit/audit-trail.service';
import { SecurityMetrics } from '../audit/security-metrics';
import { AuthConfig } from '../config/auth.config';
import type { AuthDatabase } from '../database/auth-database';
import type { SessionFamilyRow, UserRow } from '../database/schema';
import { refreshTokens, sessionFamilies, users } from '../database/schema';
import type { ClientInfo } from '../http/client-info';
import type { IssuedAccessToken } from '../tokens/token-issuer.service';
import { rolesForClient, TokenIssuer } from '../tokens/token-issuer.service';
import { InvalidGrantError } from './sessions.errors';
import { generateRefreshToken, hashRefreshToken, isRefreshTokenFormat } from './refresh-token';
import { SessionFamiliesService } from './session-families.service';

/** An access token and the refresh token issued with it. */
export interface IssuedSession {
  familyId: string;
  accessToken: IssuedAccessToken;
  refreshToken: string;
  refreshExpiresAt: Date;
}

/** A relying party's sign-in, as the OpenID Provider completed it. */
export interface ClientSessionStart {
  userId: string;
  clientId: string;
  /** The scopes the access token carries, space-separated; every later token carries at most these. */
  scope: string;
  /** False for a third-party client: its tokens never carry the admin role. */
  firstParty: boolean;
  oidcSessionUid?: string;
  oidcGrantId?: string;
  accessJti: string;
  /** Seconds since the epoch. */
  accessExpiresAt: number;
}

export interface ClientSession {
  familyId: string;
  refreshToken: string;
  refreshExpiresAt: Date;
}

/** Whose session a family is: the client, and what a relying party was granted. */
interface FamilyClient {
  clientId: string;
  /** Null: the console, whose tokens carry what the roles grant. */
  scope: string | null;
  firstParty: boolean;
}

type Transaction = Parameters<Parameters<AuthDatabase['transaction']>[0]>[0];

const USER_AGENT_MAX = 256;

/**
 * Refresh-token families (RFC 9700 §4.14.2): every refresh rotates
 * the token, and a rotated token presented again after the grace window is taken as proof that
 * it was stolen, so the whole family ends.
 */
@Injectable()
export class RefreshTokensService {
  constructor(
    @Inject(DATABASE) private readonly db: AuthDatabase,
    private readonly config: AuthConfig,
    private readonly tokens: TokenIssuer,
    private readonly families: SessionFamiliesService,
    private readonly audit: AuditTrail,
    @Optional() private readonly metrics?: SecurityMetrics,
  ) {}

  /**
   * A new family (one login) with its first access and refresh token. The account is read
   * again under a share lock: an admin disabling it or changing its roles meanwhile either
   * waits for this session (and then ends it) or is seen here, so no token outlives it.
   * 401 `invalid_grant` (`account_disabled`) for an account disabled or gone since the caller read it.
   */
  async start(account: Pick<UserRow, 'id'>, client: ClientInfo, now = new Date()): Promise<IssuedSession> {
    const absoluteExpiresAt = this.after(now, this.config.REFRESH_ABSOLUTE_SECONDS);
    return this.db.transaction(async (tx) => {
      const user = await this.lockEnabledUser(tx, account.id);
      const familyId = await this.openFamily(tx, user.id, client, absoluteExpiresAt, now);
      return this.issue(tx, familyId, user, absoluteExpiresAt, now);
    });
  }

  /**
   * A new family for a relying party's sign-in through the OpenID Provider, whose access token
   * the provider has just signed: the family holds it (so that ending the family revokes it) and
   * a first refresh token, which the caller hands out only to a client allowed the refresh grant.
   * InvalidGrantError (`account_disabled`) when the account was disabled meanwhile.
   */
  async startForClient(start: ClientSessionStart, client: ClientInfo, now = new Date()): Promise<ClientSession> {
    const absoluteExpiresAt = this.after(now, this.config.REFRESH_ABSOLUTE_SECONDS);
    return this.db.transaction(async (tx) => {
      const user = await this.lockEnabledUser(tx, start.userId);
      const familyId = await this.openFamily(tx, user.id, client, absoluteExpiresAt, now, {
        clientId: start.clientId,
        scope: start.scope,
        firstParty: start.firstParty,
        oidcSessionUid: start.oidcSessionUid ?? null,
        oidcGrantId: start.oidcGrantId ?? null,
      });
      const access = { jti: start.accessJti, expiresAt: start.accessExpiresAt };
      return { familyId, ...(await this.storeRefreshToken(tx, familyId, user.id, access, absoluteExpiresAt, now)) };
    });
  }

  /**
   * Exchanges a refresh token for a new pair in the same family. Of any number of concurrent
   * calls with one token exactly one wins: the conditional UPDATE (`used_at IS NULL`) takes the
   * row lock, and every other call finds the token used when it gets the lock.
   */
  async rotate(
    token: string,
    now = new Date(),
    client: ClientInfo = {},
    clientId: string = CONSOLE_CLIENT_ID,
  ): Promise<IssuedSession> {
    if (!isRefreshTokenFormat(token)) {
      throw new InvalidGrantError('malformed');
    }
    const tokenHash = hashRefreshToken(token);
    const issued = await this.db.transaction(async (tx) => {
      const [consumed] = await tx
        .update(refreshTokens)
        .set({ usedAt: now })
        .where(
          and(eq(refreshTokens.tokenHash, tokenHash), isNull(refreshTokens.usedAt), gt(refreshTokens.expiresAt, now)),
        )
        .returning({ familyId: refreshTokens.familyId, userId: refreshTokens.userId });
      if (!consumed) {
        return undefined;
      }
      // Also locks the family row, so a concurrent revocation either waits for this rotation
      // (and then revokes the access token issued here) or makes this rotation fail.
      const [family] = await tx
        .update(sessionFamilies)
        .set({ lastUsedAt: now })
        .where(
          and(
            eq(sessionFamilies.id, consumed.familyId),
            isNull(sessionFamilies.revokedAt),
            gt(sessionFamilies.absoluteExpiresAt, now),
          ),
        )
        .returning({
          absoluteExpiresAt: sessionFamilies.absoluteExpiresAt,
          clientId: sessionFamilies.clientId,
          scope: sessionFamilies.scope,
          firstParty: sessionFamilies.firstParty,
        });
      if (!family) {
        throw new InvalidGrantError('session_ended');
      }
      // RFC 6749 §6: the token must have been issued to this client. Throwing rolls the
      // consumption back, so the rightful holder's session is left unharmed.
      if (family.clientId !== clientId) {
        throw new InvalidGrantError('other_client');
      }
      // Roles come from the account as it is now, not as it was at login. The share lock
      // orders this against an admin's disable or role change, as in start().
      const [user] = await tx
        .select({ id: users.id, roles: users.roles, disabled: users.disabled })
        .from(users)
        .where(eq(users.id, consumed.userId))
        .for('share');
      if (!user || user.disabled) {
        throw new InvalidGrantError('account_disabled');
      }
      return this.issue(tx, consumed.familyId, user, family.absoluteExpiresAt, now, family);
    });
    return issued ?? this.refuse(tokenHash, now, client);
  }

  /**
   * Why a token could not be consumed. Only a token already used counts as reuse; within the
   * grace window it is a lost race (two tabs, a retried request) and the family lives on.
   */
  private async refuse(tokenHash: string, now: Date, client: ClientInfo): Promise<never> {
    const [row] = await this.db
      .select({ familyId: refreshTokens.familyId, userId: refreshTokens.userId, usedAt: refreshTokens.usedAt })
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, tokenHash))
      .limit(1);
    if (!row) {
      throw new InvalidGrantError('unknown');
    }
    if (!row.usedAt) {
      throw new InvalidGrantError('expired');
    }
    if (now.getTime() - row.usedAt.getTime() <= this.config.REFRESH_REUSE_GRACE_SECONDS * 1000) {
      throw new InvalidGrantError('superseded');
    }
    await this.families.revokeFamily(row.familyId, 'reuse_detected', now);
    this.metrics?.refreshReuse();
    // RFC 9700 §4.14.2: a rotated token came back, so one of its holders is not its owner.
    await this.audit.record(
      'refresh_reuse_detected',
      { subject: row.userId, clientAddress: client.clientAddress, details: { sessionId: row.familyId } },
      undefined,
      now,
    );
    throw new InvalidGrantError('reused');
  }

  /** Signs the access token and stores the new refresh token (its hash) with that token's jti. */
  private async issue(
    tx: Transaction,
    familyId: string,
    user: Pick<UserRow, 'id' | 'roles'>,
    absoluteExpiresAt: Date,
    now: Date,
    family: FamilyClient = { clientId: CONSOLE_CLIENT_ID, scope: null, firstParty: true },
  ): Promise<IssuedSession> {
    // The console's tokens carry what the roles grant; a relying party's, at most what it was granted.
    const roles = rolesForClient(user.roles, family.firstParty);
    const accessToken = await this.tokens.issueAccessToken(
      {
        sub: user.id,
        roles,
        clientId: family.clientId,
        ...(family.scope !== null ? { grantedScopes: family.scope.split(' ').filter(Boolean) } : {}),
      },
      now.getTime(),
    );
    const stored = await this.storeRefreshToken(tx, familyId, user.id, accessToken, absoluteExpiresAt, now);
    return { familyId, accessToken, ...stored };
  }

  /**
   * The account, read under a share lock: an admin disabling it or changing its roles meanwhile
   * either waits for this session (and then ends it) or is seen here.
   */
  private async lockEnabledUser(tx: Transaction, userId: string): Promise<Pick<UserRow, 'id' | 'roles'>> {
    const [user] = await tx
      .select({ id: users.id, roles: users.roles, disabled: users.disabled })
      .from(users)
      .where(eq(users.id, userId))
      .for('share');
    if (!user || user.disabled) {
      throw new InvalidGrantError('account_disabled');
    }
    return user;
  }

  /** A new family's row; `owner` is a relying party's (the console's when left out). */
  private async openFamily(
    tx: Transaction,
    userId: string,
    client: ClientInfo,
    absoluteExpiresAt: Date,
    now: Date,
    owner: Partial<Pick<SessionFamilyRow, 'clientId' | 'scope' | 'firstParty' | 'oidcSessionUid' | 'oidcGrantId'>> = {},
  ): Promise<string> {
    const [family] = await tx
      .insert(sessionFamilies)
      .values({
        userId,
        createdAt: now,
        lastUsedAt: now,
        absoluteExpiresAt,
        userAgent: client.userAgent?.slice(0, USER_AGENT_MAX) || null,
        clientIp: client.clientAddress ?? null,
        ...owner,
      })
      .returning({ id: sessionFamilies.id });
    return family.id;
  }

  /** Stores a new refresh token (its hash) with the access token issued beside it. */
  private async storeRefreshToken(
    tx: Transaction,
    familyId: string,
    userId: string,
    access: { jti: string; expiresAt: number },
    absoluteExpiresAt: Date,
    now: Date,
  ): Promise<{ refreshToken: string; refreshExpiresAt: Date }> {
    const refreshToken = generateRefreshToken();
    const idle = this.after(now, this.config.REFRESH_IDLE_SECONDS);
    const refreshExpiresAt = idle < absoluteExpiresAt ? idle : absoluteExpiresAt;
    await tx.insert(refreshTokens).values({
      familyId,
      userId,
      tokenHash: hashRefreshToken(refreshToken),
      accessJti: access.jti,
      accessExpiresAt: new Date(access.expiresAt * 1000),
      createdAt: now,
      expiresAt: refreshExpiresAt,
    });
    return { refreshToken, refreshExpiresAt };
  }

  private after(now: Date, seconds: number): Date {
    return new Date(now.getTime() + seconds * 1000);
  }
}
