import { TesseraError } from '@tessera/platform';

export enum LoginAbuseErrorCode {
  TooManyAttempts = 'too_many_attempts',
}

/**
 * 429 (RFC 6585 §4) with Retry-After in seconds (RFC 9110 §10.2.3). One wording whichever key
 * is locked and whether or not the account exists, so the answer reveals neither.
 */
/** Which counter refused an attempt, for the aggregated audit record (never sent to the client). */
export interface Refusal {
  scope: 'account' | 'address' | 'device';
  /** The counter's key: `acct:<hash>`, `ip:<address>` or `dev:<nonce>`. */
  key: string;
  lockedUntil: Date;
}

export class TooManyAttemptsError extends TesseraError {
  constructor(
    readonly retryAfterSeconds: number,
    readonly refusal?: Refusal,
  ) {
    super(LoginAbuseErrorCode.TooManyAttempts, 429, 'Too many failed sign-in attempts. Try again later.', {
      'Retry-After': String(retryAfterSeconds),
    });
  }
}
