import { TesseraError } from '@tessera/platform';

import { bearerChallenge } from './bearer-challenge';

export enum AuthErrorCode {
  MissingToken = 'missing_token',
  InvalidToken = 'invalid_token',
  InvalidRequest = 'invalid_request',
  InsufficientScope = 'insufficient_scope',
  RevocationsUnavailable = 'revocations_unavailable',
}

/** RFC 6750 §3.1: a request with no credentials gets a challenge without an error code. */
export class MissingTokenError extends TesseraError {
  constructor() {
    super(AuthErrorCode.MissingToken, 401, 'An access token is required.', {
      'WWW-Authenticate': bearerChallenge(),
    });
  }
}

/**
 * Missing, malformed, expired, revoked or wrongly signed token. The description stays
 * generic on purpose: telling an attacker which check failed helps them, not the user.
 */
export class InvalidTokenError extends TesseraError {
  constructor(
    description = 'The access token is invalid.',
    /** Why, for the service's own logs and tests; never sent to the caller. */
    readonly reason = 'invalid',
  ) {
    super(AuthErrorCode.InvalidToken, 401, description, {
      'WWW-Authenticate': bearerChallenge({ error: 'invalid_token', error_description: description }),
    });
  }
}

/** RFC 6750 §3.1 invalid_request: e.g. two Authorization headers, or header and cookie. */
export class InvalidAuthRequestError extends TesseraError {
  constructor(description: string) {
    super(AuthErrorCode.InvalidRequest, 400, description, {
      'WWW-Authenticate': bearerChallenge({ error: 'invalid_request', error_description: description }),
    });
  }
}

/** A valid token that lacks the role or scope the route needs. */
export class InsufficientScopeError extends TesseraError {
  constructor(required: string) {
    super(AuthErrorCode.InsufficientScope, 403, 'The access token does not grant this operation.', {
      'WWW-Authenticate': bearerChallenge({ error: 'insufficient_scope', scope: required }),
    });
  }
}

/** Fail closed: the revocation state is too old to tell whether a token was revoked. */
export class RevocationsUnavailableError extends TesseraError {
  constructor() {
    super(AuthErrorCode.RevocationsUnavailable, 503, 'Token revocation state is unavailable; try again shortly.', {
      'Retry-After': '5',
    });
  }
}
