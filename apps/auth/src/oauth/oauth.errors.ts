import { AUTH_REALM } from '@tessera/auth';
import { TesseraError } from '@tessera/platform';

/** RFC 6749 §5.2 error codes (and RFC 7009 §2.2.1), sent to the client as `error`. */
export enum OAuthErrorCode {
  InvalidRequest = 'invalid_request',
  InvalidClient = 'invalid_client',
  InvalidGrant = 'invalid_grant',
  UnsupportedGrantType = 'unsupported_grant_type',
  InvalidScope = 'invalid_scope',
  /** RFC 6749 §5.2: an authenticated client not allowed this grant (token exchange). */
  UnauthorizedClient = 'unauthorized_client',
  /** RFC 8693 §2.2.2: an `audience` this client may not ask for. */
  InvalidTarget = 'invalid_target',
  /** Not an RFC 6749 token-endpoint code; the widely used one for "try again later". */
  TemporarilyUnavailable = 'temporarily_unavailable',
  ServerError = 'server_error',
}

/**
 * An error of the OAuth endpoints. The message is the `error_description`: safe to show, and
 * never a secret, a token, or which of several checks failed.
 */
export class OAuthError extends TesseraError {
  constructor(code: OAuthErrorCode, status: number, description: string, headers: Record<string, string> = {}) {
    super(code, status, description, headers);
  }
}

/** RFC 6749 §5.2 invalid_request: a parameter missing, repeated, malformed, or two client authentications. */
export class InvalidOAuthRequestError extends OAuthError {
  constructor(description: string) {
    super(OAuthErrorCode.InvalidRequest, 400, description);
  }
}

/**
 * RFC 6749 §5.2 invalid_client. Unknown client, wrong secret, no or unsupported authentication:
 * one answer for all, so a caller cannot learn which client ids exist. Always 401 with a Basic
 * challenge (RFC 9110 §15.5.2: a 401 carries one; RFC 6749 requires it after a Basic attempt).
 */
export class InvalidClientError extends OAuthError {
  constructor() {
    super(OAuthErrorCode.InvalidClient, 401, 'Client authentication failed.', {
      // Basic, not Bearer: a client authenticates with its id and secret (RFC 6749 §2.3.1), in
      // the one realm of every Tessera challenge.
      'WWW-Authenticate': `Basic realm="${AUTH_REALM}"`,
    });
  }
}

/** RFC 6749 §5.2 invalid_grant: a refresh token that is invalid, expired, revoked, reused or not this client's. */
export class OAuthInvalidGrantError extends OAuthError {
  constructor(description = 'The refresh token is invalid, expired or revoked.') {
    super(OAuthErrorCode.InvalidGrant, 400, description);
  }
}

/** RFC 6749 §5.2 unauthorized_client: the client authenticated but is not registered for this grant. */
export class UnauthorizedClientError extends OAuthError {
  constructor() {
    super(OAuthErrorCode.UnauthorizedClient, 400, 'This client is not allowed the token-exchange grant.');
  }
}

/** RFC 8693 §2.2.2 invalid_target: an audience the client may not obtain a token for. */
export class InvalidTargetError extends OAuthError {
  constructor(description = 'This client may not obtain a token for that audience.') {
    super(OAuthErrorCode.InvalidTarget, 400, description);
  }
}

export class UnsupportedGrantTypeError extends OAuthError {
  constructor() {
    super(
      OAuthErrorCode.UnsupportedGrantType,
      400,
      'grant_type must be client_credentials, refresh_token or urn:ietf:params:oauth:grant-type:token-exchange.',
    );
  }
}

/** RFC 6749 §5.2 invalid_scope: malformed, or beyond what the client was granted. */
export class InvalidScopeError extends OAuthError {
  constructor(description = 'The requested scope is invalid or exceeds the scope granted to the client.') {
    super(OAuthErrorCode.InvalidScope, 400, description);
  }
}
