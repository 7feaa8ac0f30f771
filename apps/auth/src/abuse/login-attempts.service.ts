import { Inject, Injectable } from '@nestjs/common';
import { DATABASE } from '@tessera/platform';
import type { SQL } from 'drizzle-orm';
import { and, eq, isNull, lte, or, sql } from 'drizzle-orm';

import { AuthConfig } from '../config/auth.config';
import type { AuthDatabase } from '../database/auth-database';
import { loginAttempts } from '../database/schema';
import { TooManyAttemptsError } from './abuse.errors';
import type { CounterPolicy, LoginThrottlePolicy } from '../config/login-throttle';
import { accountKey, addressKey, lockoutSeconds, MAX_BACKOFF_EXPONENT } from './login-throttle-policy';

/** The counters one password check was charged to; hand it back on success. */
export interface LoginAttempt {
  accountKey: string;
  addressKey?: string;
  /** The locks this attempt starts if it fails (the counters were charged before the check). */
  locks: { scope: Kind; lockedUntil: Date }[];
}

type Kind = 'account' | 'address';

/**
 * Failed-sign-in counters in the database, shared by every replica (README.md, "Sign-in limits").
 *
 * An attempt is counted *before* its password is checked, in the same statement that checks the
 * lock (INSERT ... ON CONFLICT DO UPDATE ... WHERE not locked ... RETURNING): concurrent attempts
 * serialise on the row lock, so no more than the limit ever reach argon2, and a locked key costs
 * no hashing at all. A success then takes its attempt back. Attempts refused while locked are
 * not counted, so a lockout never grows past LOGIN_LOCKOUT_MAX_SECONDS.
 */
@Injectable()
export class LoginAttemptsService {
  private readonly policy: LoginThrottlePolicy;

  constructor(
    @Inject(DATABASE) private readonly db: AuthDatabase,
    config: AuthConfig,
  ) {
    this.policy = config.loginThrottle;
  }

  /**
   * Charges one attempt to the client address, then to the account (known or not). Throws
   * TooManyAttemptsError, with the seconds until the lock ends, when either is locked.
   */
  async begin(email: string, address: string | undefined, now = new Date()): Promise<LoginAttempt> {
    const attempt: LoginAttempt = { accountKey: accountKey(email), locks: [] };
    if (address) {
      attempt.addressKey = addressKey(address);
      this.noteLock(attempt, 'address', await this.charge(attempt.addressKey, 'address', now));
    }
    this.noteLock(attempt, 'account', await this.charge(attempt.accountKey, 'account', now));
    return attempt;
  }

  private noteLock(attempt: LoginAttempt, kind: Kind, lockedUntil: Date | null): void {
    if (lockedUntil) {
      attempt.locks.push({ scope: kind, lockedUntil });
    }
  }

  /**
   * The password was right: the account starts afresh (backoff included), and the address gets
   * back the attempt it was charged, so users behind one NAT do not use up its budget by signing
   * in. The refund cannot lift more than this attempt's share of a lock.
   */
  async succeeded(attempt: LoginAttempt): Promise<void> {
    await this.db.delete(loginAttempts).where(eq(loginAttempts.key, attempt.accountKey));
    if (attempt.addressKey) {
      const remaining = sql`greatest(${loginAttempts.failures} - 1, 0)`;
      await this.db
        .update(loginAttempts)
        .set({
          failures: remaining,
          lockedUntil: sql`CASE WHEN ${remaining} >= ${this.policy.address.maxFailures}::int THEN ${loginAttempts.lockedUntil} END`,
        })
        .where(eq(loginAttempts.key, attempt.addressKey));
    }
  }

  /**
   * Deletes counters that no longer matter: unlocked, window over. Such a row and no row mean
   * the same (the next attempt starts a new window), so this is safe on every replica at once.
   */
  async prune(now = new Date()): Promise<number> {
    const windowSeconds = Math.max(this.policy.account.windowSeconds, this.policy.address.windowSeconds);
    const deleted = await this.db
      .delete(loginAttempts)
      .where(
        and(
          or(isNull(loginAttempts.lockedUntil), lte(loginAttempts.lockedUntil, now)),
          lte(loginAttempts.windowStartedAt, new Date(now.getTime() - windowSeconds * 1000)),
        ),
      )
      .returning({ key: loginAttempts.key });
    return deleted.length;
  }

  /** Charges one attempt; the lock it starts should it fail (null: none), or TooManyAttemptsError. */
  private async charge(key: string, kind: Kind, now: Date): Promise<Date | null> {
    const policy: CounterPolicy = this.policy[kind];
    const at = sql`${now.toISOString()}::timestamptz`;
    const windowOver = sql`${loginAttempts.windowStartedAt} + make_interval(secs => ${policy.windowSeconds}::float8) <= ${at}`;
    const failures = sql`CASE WHEN ${windowOver} THEN 1 ELSE ${loginAttempts.failures} + 1 END`;
    const windowStartedAt = sql`CASE WHEN ${windowOver} THEN ${at} ELSE ${loginAttempts.windowStartedAt} END`;
    const admitted = await this.db
      .insert(loginAttempts)
      .values({ key, failures: 1, windowStartedAt: now, lockedUntil: this.firstLock(kind, now) })
      .onConflictDoUpdate({
        target: loginAttempts.key,
        set: { failures, windowStartedAt, lockedUntil: this.lockAfter(kind, failures, windowStartedAt, at) },
        // A locked row is left alone: no row comes back, and the attempt is refused.
        setWhere: or(isNull(loginAttempts.lockedUntil), sql`${loginAttempts.lockedUntil} <= ${at}`),
      })
      .returning({ lockedUntil: loginAttempts.lockedUntil });
    if (admitted.length === 0) {
      throw new TooManyAttemptsError(await this.secondsLocked(key, now));
    }
    return admitted[0]?.lockedUntil ?? null;
  }

  /** The lock after a first attempt (only when the limit is a single failure). */
  private firstLock(kind: Kind, now: Date): Date | null {
    const seconds =
      kind === 'account'
        ? lockoutSeconds(1, this.policy.account)
        : this.policy.address.maxFailures <= 1
          ? this.policy.address.windowSeconds
          : 0;
    return seconds > 0 ? new Date(now.getTime() + seconds * 1000) : null;
  }

  /**
   * In SQL, on the row as locked by the upsert. An account backs off exponentially (see
   * lockoutSeconds); an address that reached its limit waits for the end of its window.
   */
  private lockAfter(kind: Kind, failures: SQL, windowStartedAt: SQL, at: SQL): SQL {
    if (kind === 'account') {
      const { maxFailures, lockoutBaseSeconds, lockoutMaxSeconds } = this.policy.account;
      const seconds = sql`least(${lockoutMaxSeconds}::float8, ${lockoutBaseSeconds}::float8 * power(2::float8, least(${failures} - ${maxFailures}::int, ${MAX_BACKOFF_EXPONENT}::int)))`;
      return sql`CASE WHEN ${failures} >= ${maxFailures}::int THEN ${at} + make_interval(secs => ${seconds}) END`;
    }
    const { maxFailures, windowSeconds } = this.policy.address;
    return sql`CASE WHEN ${failures} >= ${maxFailures}::int THEN ${windowStartedAt} + make_interval(secs => ${windowSeconds}::float8) END`;
  }

  /** For Retry-After: whole seconds, at least 1 (the lock may have just ended or been lifted). */
  private async secondsLocked(key: string, now: Date): Promise<number> {
    const [row] = await this.db
      .select({ lockedUntil: loginAttempts.lockedUntil })
      .from(loginAttempts)
      .where(eq(loginAttempts.key, key));
    const ms = row?.lockedUntil ? row.lockedUntil.getTime() - now.getTime() : 0;
    return Math.max(1, Math.ceil(ms / 1000));
  }
}
