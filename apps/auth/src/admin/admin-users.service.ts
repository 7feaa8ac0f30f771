import { Inject, Injectable, Logger } from '@nestjs/common';
import { Subjects, type UserDisabledEvent } from '@tessera/contracts';
import {
  DATABASE,
  decodeCursor,
  encodeCursor,
  enqueueEvent,
  InvalidCursorError,
  isCanonicalUuid,
} from '@tessera/platform';
import { and, arrayContains, asc, eq, sql } from 'drizzle-orm';

import type { AuthDatabase } from '../database/auth-database';
import type { UserRow } from '../database/schema';
import { users } from '../database/schema';
import type { Revocation } from '../revocations/revocation';
import { revokedBeforeNow } from '../revocations/revocation';
import { RevocationQueue } from '../revocations/revocation-queue.service';
import { SessionFamiliesService } from '../sessions/session-families.service';
import { Role, ROLES } from '../accounts/roles';
import { CannotDemoteSelfError, CannotDisableSelfError, LastAdminError, UserNotFoundError } from './admin.errors';

/** An account as an admin sees it. */
export interface AdminUserView {
  id: string;
  email: string;
  roles: string[];
  disabled: boolean;
  createdAt: string;
}

export interface UserPage {
  items: AdminUserView[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** What an admin may change; validated by UpdateUserDto at the edge. */
export interface UserPatch {
  roles?: readonly Role[];
  disabled?: boolean;
}

const enabledAdmin = and(arrayContains(users.roles, [Role.Admin]), eq(users.disabled, false));

function toView(user: UserRow): AdminUserView {
  return {
    id: user.id,
    email: user.email,
    roles: [...user.roles],
    disabled: user.disabled,
    createdAt: user.createdAt.toISOString(),
  };
}

function isEnabledAdmin(user: UserRow): boolean {
  return !user.disabled && user.roles.includes(Role.Admin);
}

function sameRoles(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((role) => b.includes(role));
}

/**
 * Account administration (`/admin/users`). Disabling revokes everything the account holds
 * before the call returns (ASVS 5.0 §7.4.2): its sessions end, and one revoked-before entry that
 * voids every access token it was issued is committed with the change, as is
 * `auth.user.disabled.v1`.
 */
@Injectable()
export class AdminUsersService {
  private readonly logger = new Logger('AdminUsers');

  constructor(
    @Inject(DATABASE) private readonly db: AuthDatabase,
    private readonly families: SessionFamiliesService,
    private readonly revocations: RevocationQueue,
  ) {}

  /**
   * Oldest first; keyset pages, so an account created meanwhile neither repeats nor skips one.
   * The cursor holds only the last user's id: its (createdAt, id) is read in SQL, because
   * `created_at` has microseconds, which a JS Date would round away.
   */
  async list(limit: number, cursor?: string): Promise<UserPage> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor, [isCanonicalUuid])[0];
    if (after !== undefined && !(await this.exists(after))) {
      throw new InvalidCursorError();
    }
    const position =
      after === undefined
        ? undefined
        : sql`(${users.createdAt}, ${users.id}) > (select c.created_at, c.id from ${users} c where c.id = ${after}::uuid)`;
    const rows = await this.db
      .select()
      .from(users)
      .where(position)
      .orderBy(asc(users.createdAt), asc(users.id))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(toView),
      nextCursor: rows.length > limit && last ? encodeCursor([last.id]) : null,
    };
  }

  /**
   * Applies `patch` to the account `id` on behalf of the admin `actorId`. New roles or a
   * disable void the account's access tokens (they carry the old roles); a disable also ends
   * its sessions. The revocation is committed to the outbox with the change, and published to
   * the revocations bucket right after (later, with retries, while NATS is unreachable).
   */
  async update(actorId: string, id: string, patch: UserPatch): Promise<AdminUserView> {
    if (id === actorId) {
      if (patch.disabled === true) {
        throw new CannotDisableSelfError();
      }
      if (patch.roles && !patch.roles.includes(Role.Admin)) {
        throw new CannotDemoteSelfError();
      }
    }
    const { before, after, revocations } = await this.db.transaction(async (tx) => {
      // Every enabled admin row, locked in one order: two admins demoting or disabling each
      // other at once are serialised, and the second sees the first's change below.
      await tx.select({ id: users.id }).from(users).where(enabledAdmin).orderBy(asc(users.id)).for('update');
      const [current] = await tx.select().from(users).where(eq(users.id, id)).for('update');
      if (!current) {
        throw new UserNotFoundError();
      }
      const changes: Partial<Pick<UserRow, 'roles' | 'disabled'>> = {};
      if (patch.roles) {
        // Stored in one canonical order, so equal sets compare equal.
        changes.roles = ROLES.filter((role) => patch.roles?.includes(role));
      }
      if (patch.disabled !== undefined) {
        changes.disabled = patch.disabled;
      }
      if (Object.keys(changes).length === 0) {
        return { before: current, after: current, revocations: [] };
      }
      const [updated] = await tx.update(users).set(changes).where(eq(users.id, id)).returning();
      if (isEnabledAdmin(current) && !isEnabledAdmin(updated)) {
        const [admin] = await tx.select({ id: users.id }).from(users).where(enabledAdmin).limit(1);
        if (!admin) {
          throw new LastAdminError();
        }
      }
      if (!current.disabled && updated.disabled) {
        const event: UserDisabledEvent = { userId: id, occurredAt: new Date().toISOString() };
        await enqueueEvent(tx, Subjects.UserDisabled, event);
      }
      // New roles or a disable void every access token the account holds (they carry the old
      // roles). Read under the account's row lock, which a login or a refresh shares while it
      // mints a token: every token minted before this change is issued by now.
      const revoke = patch.disabled === true || !sameRoles(current.roles, updated.roles);
      const queued: Revocation[] = revoke ? [{ sub: id, before: revokedBeforeNow() }] : [];
      await this.revocations.enqueue(tx, queued);
      return { before: current, after: updated, revocations: queued };
    });
    this.revocations.committed(revocations);
    await this.endSessions(actorId, before, after, patch.disabled === true);
    return toView(after);
  }

  /**
   * A disable also ends the account's sessions, so no refresh mints a token (a refresh finds the
   * account disabled anyway). Repeated on every `disabled: true`, so an admin can retry a
   * disable that failed halfway and finish it.
   */
  private async endSessions(actorId: string, before: UserRow, after: UserRow, disable: boolean): Promise<void> {
    if (disable) {
      await this.families.revokeUserFamilies(after.id, 'account_disabled', { revokeAccessTokens: false });
    }
    if (disable || !sameRoles(before.roles, after.roles) || before.disabled !== after.disabled) {
      this.logger.log({
        msg: 'user updated by admin',
        userId: after.id,
        adminId: actorId,
        roles: after.roles,
        disabled: after.disabled,
      });
    }
  }

  private async exists(id: string): Promise<boolean> {
    const [row] = await this.db.select({ id: users.id }).from(users).where(eq(users.id, id)).limit(1);
    return row !== undefined;
  }
}
