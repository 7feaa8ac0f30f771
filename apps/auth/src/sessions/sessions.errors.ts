import { bearerChallenge } from '@tessera/auth';
import { TesseraError } from '@tessera/platform';

export enum RefreshErrorCode {
  /** RFC 6749 §5.2's name for a refresh token that is invalid, expired, revoked or reused. */
  InvalidGrant = 'invalid_grant',
  SessionNotFound = 'session_not_found',
}

/** Why a refresh was refused: for logs and tests only, never sent to the caller. */
export type InvalidGrantReason =
  | 'malformed'
  | 'unknown'
  | 'expired'
  | 'session_ended'
  | 'account_disabled'
  /** A rotated token presented again within the grace window: a lost race, the family lives on. */
  | 'superseded'
  /** A rotated token presented after the grace window: theft, the family has been revoked. */
  | 'reused'
  /** Issued to another client than the one presenting it (RFC 6749 §6); nothing is consumed. */
  | 'other_client';

/**
 * Every refused refresh looks the same from outside, so a caller holding a guessed or stolen
 * token learns nothing about which check failed.
 */
export class InvalidGrantError extends TesseraError {
  constructor(readonly reason: InvalidGrantReason) {
    // RFC 9110 §15.5.2: a 401 carries a challenge.
    super(RefreshErrorCode.InvalidGrant, 401, 'The refresh token is invalid, expired or revoked.', {
      'WWW-Authenticate': bearerChallenge(),
    });
  }
}

/** Unknown, already ended, or another user's session: all the same 404, so ids cannot be probed. */
export class SessionNotFoundError extends TesseraError {
  constructor() {
    super(RefreshErrorCode.SessionNotFound, 404, 'No such session.');
  }
}
