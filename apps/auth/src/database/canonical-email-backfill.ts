import { Logger } from '@nestjs/common';
import { asc, and, eq, isNull } from 'drizzle-orm';

import type { AuthDatabase } from './auth-database';
import { isUniqueViolation } from './auth-database';
import { canonicalEmail } from './email';
import { users } from './schema';

export const CANONICAL_EMAIL_UNIQUE = 'users_canonical_email_unique';

export interface CanonicalEmailBackfill {
  /** Accounts given their canonical email by this run. */
  filled: number;
  /** Accounts left without one: an older account holds it, or the address is now refused. */
  unresolved: number;
}

/**
 * Gives every account without a canonical email the one its address has, oldest account first,
 * so where several existing accounts share one the oldest keeps signing in and the younger ones
 * stay as they are, unmerged and undeleted, for an operator to resolve (`users duplicates`).
 *
 * Migration 0004 only adds the column and its unique index: the backfill runs here, in
 * TypeScript, right after the migrations at every start (DatabaseOptions.afterMigrations),
 * because the canonical form must be computed exactly as the app computes it for every
 * registration and sign-in. PostgreSQL's normalize() and lower() follow the server's Unicode
 * version and collation, and it has no IDNA at all; one spelling computed in two places would
 * drift, and an account whose two canonical forms differ could never be found again.
 *
 * Idempotent and safe on several replicas at once: each account is one conditional UPDATE, and
 * the unique index decides which of two racing writes of one canonical form wins. It also fills
 * in an account written without the column (by a replica still on the previous version during
 * a rolling upgrade) the next time any replica starts.
 */
export async function backfillCanonicalEmails(db: AuthDatabase): Promise<CanonicalEmailBackfill> {
  const pending = await db
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(isNull(users.canonicalEmail))
    .orderBy(asc(users.createdAt), asc(users.id));
  let filled = 0;
  for (const account of pending) {
    const canonical = canonicalEmail(account.email);
    if (canonical === undefined) {
      continue;
    }
    try {
      const updated = await db
        .update(users)
        .set({ canonicalEmail: canonical })
        .where(and(eq(users.id, account.id), isNull(users.canonicalEmail)))
        .returning({ id: users.id });
      filled += updated.length;
    } catch (e) {
      // An older account (or a registration that just committed) holds this canonical form.
      if (!isUniqueViolation(e, CANONICAL_EMAIL_UNIQUE)) {
        throw e;
      }
    }
  }
  const result = { filled, unresolved: pending.length - filled };
  if (result.unresolved > 0) {
    // Counts only: the addresses are personal data and stay out of the logs.
    new Logger('Accounts').warn({
      msg: 'accounts without a canonical email cannot sign in until resolved: run `users duplicates`',
      unresolved: result.unresolved,
    });
  }
  return result;
}
