import { createHash } from 'node:crypto';

import { normalizeEmail } from '../database/email';
import type { AccountCounterPolicy } from '../config/login-throttle';

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

/** The counter key of one device cookie: its random nonce, which says nothing about its holder. */
export function deviceKey(nonce: string): string {
  return `dev:${nonce}`;
}
