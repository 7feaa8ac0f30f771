import { createHash } from 'node:crypto';

import { normalizeEmail } from '../users/email';

/** Limits of one kind of counter; see AuthConfig (LOGIN_*). */
export interface CounterPolicy {
  /** Attempts within the window before the key is locked. */
  maxFailures: number;
  /** A counter whose window started this long ago starts over. */
  windowSeconds: number;
}

export interface AccountCounterPolicy extends CounterPolicy {
  lockoutBaseSeconds: number;
  lockoutMaxSeconds: number;
}

export interface LoginThrottlePolicy {
  account: AccountCounterPolicy;
  address: CounterPolicy;
}

/**
 * Beyond 2^30 the cap has long been reached; the bound only keeps power() from overflowing a
 * double for an account hammered for years.
 */
export const MAX_BACKOFF_EXPONENT = 30;

/**
 * Seconds an account stays locked after its `failures`-th counted failure: none below the
 * threshold, then base, 2 x base, 4 x base ... never more than the maximum. The SQL in
 * LoginAttemptsService computes the same; this is its specification in TypeScript.
 */
export function lockoutSeconds(failures: number, policy: AccountCounterPolicy): number {
  if (failures < policy.maxFailures) {
    return 0;
  }
  const exponent = Math.min(failures - policy.maxFailures, MAX_BACKOFF_EXPONENT);
  return Math.min(policy.lockoutMaxSeconds, policy.lockoutBaseSeconds * 2 ** exponent);
}

/**
 * The counter key of an account: a hash of the normalised email, so the table holds no
 * addresses, and an email nobody registered gets a counter exactly like one that exists.
 */
export function accountKey(email: string): string {
  return `acct:${createHash('sha256').update(normalizeEmail(email)).digest('hex')}`;
}

export function addressKey(address: string): string {
  return `ip:${address}`;
}
