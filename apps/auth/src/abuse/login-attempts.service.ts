import { Inject, Injectable } from '@nestjs/common';
import { DATABASE } from '@tessera/platform';
import type { SQL } from 'drizzle-orm';
import { and, eq, isNull, lte, or, sql } from 'drizzle-orm';
import { AuthConfig } from '../config/auth.config';
import type { AuthDatabase } from '../database/auth-database';
import { loginAttempts } from '../database/schema';
import type { Refusal } from './abuse.errors';
import { TooManyAttemptsError } from './abuse.errors';
import type { CounterPolicy, LoginThrottlePolicy } from '../config/login-throttle';
import { accountKey, addressKey, deviceKey, lockoutSeconds, MAX_BACKOFF_EXPONENT } from './login-throttle-policy';

export type CounterKind = Refusal['scope'];

interface Slot {
  key: string;
  kind: CounterKind;
  /** A device counter locks until the cookie itself expires: distrusted for the rest of its life. */
  lockUntil?: Date;
}

/** The counters one password check holds a slot of; settle it with `failed` or `succeeded`. */
export interface LoginAttempt {
  slots: Slot[];
  settled: boolean;
}

/** A lock a failure started, for the audit trail and the metrics. */
export interface StartedLock {
  scope: CounterKind;
  lockedUntil: Date;
}

/** The device cookie a sign-in presents, already verified for the account signing in. */
export interface TrustedDevice {
  nonce: string;
  expiresAt: Date;
}

/** A slot held this long is counted no more: a process that died mid-check gives it back by then. */
const SLOT_TTL_SECONDS = 30;
/** How long an attempt waits for slots held by checks in progress before it is refused. */
const SLOT_WAIT_MS = 10_000;
/** Between two looks at a full counter when no check of this process releases one. */
const SLOT_POLL_MS = 100;

/**
 * Failed-sign-in counters in the database, shared by every replica (README.md, "Sign-in limits").
 *
 * Outcomes are counted, not attempts: `failures` grows only when a password check has failed. To
 * keep parallel guesses from overrunning the limit, a check first takes a slot (`in_flight`) in
 * the same statement that checks the lock (INSERT ... ON CONFLICT DO UPDATE ... WHERE ...
 * RETURNING), admitted only while failures + checks in progress stay under the limit; concurrent
 * statements serialise on the row lock. An attempt that finds every slot taken waits for one to
 * be given back (a right password among them gives its slot back without counting anything), so
 * N parallel right passwords all get in and N parallel wrong ones reach argon2 no more often than
 * the limit allows. A locked key costs no hashing at all, and attempts refused while locked are
 * not counted, so a lockout never grows past LOGIN_LOCKOUT_MAX_SECONDS.
 */
@Injectable()
export class LoginAttemptsService {
  private readonly policy: LoginThrottlePolicy;
  /** Attempts of this process waiting for a slot of a key, woken as soon as one is given back. */
  private readonly waiting = new Map<string, Set<() => void>>();

  constructor(
    @Inject(DATABASE) private readonly db: AuthDatabase,
    config: AuthConfig,
  ) {
    this.policy = config.loginThrottle;
  }

  /**
   * A sign-in from an unknown device: a slot of the client address's counter, then of the
   * account's (known or not). Throws TooManyAttemptsError, with the seconds until the lock ends,
   * when either is locked.
   */
  async begin(email: string, address: string | undefined, now?: Date): Promise<LoginAttempt> {
    const attempt: LoginAttempt = { slots: [], settled: false };
    try {
      if (address) {
        await this.take(attempt, { key: addressKey(address), kind: 'address' }, now);
      }
      await this.take(attempt, { key: accountKey(email), kind: 'account' }, now);
    } catch (e) {
      await this.abandon(attempt, now);
      throw e;
    }
    return attempt;
  }

  /**
   * A sign-in presenting a valid device cookie of the account: only that cookie's own counter,
   * neither the address's nor the account's, so neither a crowd behind the same address nor a
   * guesser locking the account out stops it. Undefined when the cookie is distrusted (too many
   * failures from it): the caller treats the sign-in as from an unknown device.
   */
  async beginOnDevice(device: TrustedDevice, now?: Date): Promise<LoginAttempt | undefined> {
    const attempt: LoginAttempt = { slots: [], settled: false };
    try {
      await this.take(attempt, { key: deviceKey(device.nonce), kind: 'device', lockUntil: device.expiresAt }, now);
    } catch (e) {
      if (e instanceof TooManyAttemptsError) {
        return undefined;
      }
      throw e;
    }
    return attempt;
  }

  /**
   * The password was wrong: one failure on every counter the attempt holds, its slots given back;
   * the locks this failure started are returned.
   */
  async failed(attempt: LoginAttempt, now = new Date()): Promise<StartedLock[]> {
    if (attempt.settled) {
      return [];
    }
    attempt.settled = true;
    const locks: StartedLock[] = [];
    try {
      for (const slot of attempt.slots) {
        const lock = await this.countFailure(slot, now);
        if (lock) {
          locks.push({ scope: slot.kind, lockedUntil: lock });
        }
      }
    } finally {
      attempt.slots.forEach((slot) => this.wake(slot.key));
    }
    return locks;
  }

  /**
   * The password was right: the account (or device) starts afresh, backoff included, and every
   * slot is given back. An address counts failures only, so users behind one NAT never use up
   * its budget by signing in.
   */
  async succeeded(attempt: LoginAttempt, now = new Date()): Promise<void> {
    if (attempt.settled) {
      return;
    }
    attempt.settled = true;
    const at = sql`${now.toISOString()}::timestamptz`;
    try {
      for (const slot of attempt.slots) {
        const reset = slot.kind !== 'address';
        await this.db
          .update(loginAttempts)
          .set({
            inFlight: sql`greatest(${this.liveInFlight(at)} - 1, 0)`,
            ...(reset ? { failures: 0, lockedUntil: null } : {}),
          })
          .where(eq(loginAttempts.key, slot.key));
      }
    } finally {
      attempt.slots.forEach((slot) => this.wake(slot.key));
    }
  }

  /**
   * Deletes counters that no longer matter: unlocked, window over, no check in progress. Such a
   * row and no row mean the same (the next attempt starts a new window), so this is safe on every
   * replica at once.
   */
  async prune(now = new Date()): Promise<number> {
    const windowSeconds = Math.max(
      this.policy.account.windowSeconds,
      this.policy.address.windowSeconds,
      this.policy.device.windowSeconds,
    );
    const deleted = await this.db
      .delete(loginAttempts)
      .where(
        and(
          or(isNull(loginAttempts.lockedUntil), lte(loginAttempts.lockedUntil, now)),
          or(isNull(loginAttempts.inFlightUntil), lte(loginAttempts.inFlightUntil, now)),
          lte(loginAttempts.windowStartedAt, new Date(now.getTime() - windowSeconds * 1000)),
        ),
      )
      .returning({ key: loginAttempts.key });
    return deleted.length;
  }

  /**
   * Gives back the slots of an attempt that ends without an outcome (refused by a later counter,
   * or an error before the password was checked); counts nothing. A no-op once settled.
   */
  async abandon(attempt: LoginAttempt, now = new Date()): Promise<void> {
    if (attempt.settled) {
      return;
    }
    attempt.settled = true;
    const at = sql`${now.toISOString()}::timestamptz`;
    for (const slot of attempt.slots) {
      await this.db
        .update(loginAttempts)
        .set({ inFlight: sql`greatest(${this.liveInFlight(at)} - 1, 0)` })
        .where(eq(loginAttempts.key, slot.key));
      this.wake(slot.key);
    }
  }

  /**
   * Takes a slot of the counter, waiting while every slot is held by a check in progress; throws
   * TooManyAttemptsError when the key is locked, or when no slot came free in SLOT_WAIT_MS.
   * `now` fixes the clock of the counters (tests); waiting always uses the real one.
   */
  private async take(attempt: LoginAttempt, slot: Slot, fixedNow: Date | undefined): Promise<void> {
    const deadline = Date.now() + SLOT_WAIT_MS;
    for (;;) {
      const now = fixedNow ?? new Date();
      if (await this.tryTake(slot, now)) {
        attempt.slots.push(slot);
        return;
      }
      const [row] = await this.db
        .select({ lockedUntil: loginAttempts.lockedUntil })
        .from(loginAttempts)
        .where(eq(loginAttempts.key, slot.key));
      if (row?.lockedUntil && row.lockedUntil > now) {
        const seconds = Math.max(1, Math.ceil((row.lockedUntil.getTime() - now.getTime()) / 1000));
        throw new TooManyAttemptsError(seconds, { scope: slot.kind, key: slot.key, lockedUntil: row.lockedUntil });
      }
      if (Date.now() >= deadline) {
        const until = new Date(now.getTime() + 1000);
        throw new TooManyAttemptsError(1, { scope: slot.kind, key: slot.key, lockedUntil: until });
      }
      await this.nextChance(slot.key);
    }
  }

  /** One admission statement: true when a slot was taken. */
  private async tryTake(slot: Slot, now: Date): Promise<boolean> {
    const policy: CounterPolicy = this.policy[slot.kind];
    const at = sql`${now.toISOString()}::timestamptz`;
    const windowOver = sql`${loginAttempts.windowStartedAt} + make_interval(secs => ${policy.windowSeconds}::float8) <= ${at}`;
    const inFlight = this.liveInFlight(at);
    const unlocked = or(isNull(loginAttempts.lockedUntil), sql`${loginAttempts.lockedUntil} <= ${at}`);
    // Under the limit counting the checks in progress; or a lock has just ended and nothing is in
    // progress: one more attempt (whose failure locks again, for longer) and only one at a time.
    const room = sql`(${loginAttempts.failures} + ${inFlight} < ${policy.maxFailures}::int OR (${loginAttempts.lockedUntil} IS NOT NULL AND ${inFlight} = 0))`;
    const slotUntil = new Date(now.getTime() + SLOT_TTL_SECONDS * 1000);
    const taken = await this.db
      .insert(loginAttempts)
      .values({ key: slot.key, failures: 0, windowStartedAt: now, inFlight: 1, inFlightUntil: slotUntil })
      .onConflictDoUpdate({
        target: loginAttempts.key,
        set: {
          failures: sql`CASE WHEN ${windowOver} THEN 0 ELSE ${loginAttempts.failures} END`,
          windowStartedAt: sql`CASE WHEN ${windowOver} THEN ${at} ELSE ${loginAttempts.windowStartedAt} END`,
          lockedUntil: sql`CASE WHEN ${windowOver} THEN NULL ELSE ${loginAttempts.lockedUntil} END`,
          inFlight: sql`${inFlight} + 1`,
          inFlightUntil: slotUntil,
        },
        // A locked or full row is left alone: no row comes back, and the attempt is not admitted.
        setWhere: and(unlocked, or(windowOver, room)),
      })
      .returning({ key: loginAttempts.key });
    return taken.length > 0;
  }

  /** Counts one failure and gives the slot back; the lock it started, if any. */
  private async countFailure(slot: Slot, now: Date): Promise<Date | null> {
    const at = sql`${now.toISOString()}::timestamptz`;
    const failures = sql`${loginAttempts.failures} + 1`;
    const [row] = await this.db
      .insert(loginAttempts)
      .values({ key: slot.key, failures: 1, windowStartedAt: now, lockedUntil: this.firstLock(slot, now) })
      .onConflictDoUpdate({
        target: loginAttempts.key,
        set: {
          failures,
          lockedUntil: this.lockAfter(slot, failures, at),
          inFlight: sql`greatest(${this.liveInFlight(at)} - 1, 0)`,
        },
      })
      .returning({ failures: loginAttempts.failures, lockedUntil: loginAttempts.lockedUntil });
    const max = this.policy[slot.kind].maxFailures;
    const lockedUntil = row?.lockedUntil ?? null;
    // An account backs off with every failure from the limit on; an address or a device locks once.
    const started = slot.kind === 'account' ? (row?.failures ?? 0) >= max : row?.failures === max;
    return started && lockedUntil && lockedUntil > now ? lockedUntil : null;
  }

  /** The lock of a row that did not exist (pruned while its check ran): only a limit of one locks. */
  private firstLock(slot: Slot, now: Date): Date | null {
    const { maxFailures } = this.policy[slot.kind];
    if (maxFailures > 1) {
      return null;
    }
    if (slot.kind === 'device') {
      return slot.lockUntil ?? now;
    }
    const seconds =
      slot.kind === 'account' ? lockoutSeconds(1, this.policy.account) : this.policy.address.windowSeconds;
    return new Date(now.getTime() + seconds * 1000);
  }

  /**
   * In SQL, on the row as locked by the upsert. An account backs off exponentially (see
   * lockoutSeconds); an address that reached its limit waits for the end of its window; a device
   * cookie that did is distrusted until it expires.
   */
  private lockAfter(slot: Slot, failures: SQL, at: SQL): SQL {
    const keep = loginAttempts.lockedUntil;
    if (slot.kind === 'account') {
      const { maxFailures, lockoutBaseSeconds, lockoutMaxSeconds } = this.policy.account;
      const seconds = sql`least(${lockoutMaxSeconds}::float8, ${lockoutBaseSeconds}::float8 * power(2::float8, least(${failures} - ${maxFailures}::int, ${MAX_BACKOFF_EXPONENT}::int)))`;
      return sql`CASE WHEN ${failures} >= ${maxFailures}::int THEN greatest(${keep}, ${at} + make_interval(secs => ${seconds})) ELSE ${keep} END`;
    }
    const { maxFailures, windowSeconds } = this.policy[slot.kind];
    const until =
      slot.kind === 'device'
        ? sql`${(slot.lockUntil ?? new Date()).toISOString()}::timestamptz`
        : sql`${loginAttempts.windowStartedAt} + make_interval(secs => ${windowSeconds}::float8)`;
    return sql`CASE WHEN ${failures} >= ${maxFailures}::int THEN greatest(${keep}, ${until}) ELSE ${keep} END`;
  }

  /** The slots of a row still counted: none once the last one taken is older than SLOT_TTL_SECONDS. */
  private liveInFlight(at: SQL): SQL {
    return sql`(CASE WHEN ${loginAttempts.inFlightUntil} > ${at} THEN ${loginAttempts.inFlight} ELSE 0 END)`;
  }

  /** Resolves when this process gives back a slot of `key`, or after SLOT_POLL_MS (another replica may have). */
  private nextChance(key: string): Promise<void> {
    return new Promise((resolve) => {
      const waiters = this.waiting.get(key) ?? new Set<() => void>();
      this.waiting.set(key, waiters);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        if (waiters.size === 0 && this.waiting.get(key) === waiters) {
          this.waiting.delete(key);
        }
        resolve();
      };
      const timer = setTimeout(done, SLOT_POLL_MS);
      waiters.add(done);
    });
  }

  private wake(key: string): void {
    for (const waiter of [...(this.waiting.get(key) ?? [])]) {
      waiter();
    }
  }
}
