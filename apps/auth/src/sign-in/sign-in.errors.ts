import { bearerChallenge } from '@tessera/auth';
import { TesseraError } from '@tessera/platform';

export enum SignInErrorCode {
  InvalidCredentials = 'invalid_credentials',
  InvalidRequest = 'invalid_request',
  UnsupportedMediaType = 'unsupported_media_type',
}

/**
 * Unknown email, wrong password and disabled account all end here, with one status, body and
 * header set, so the answer never tells which accounts exist.
 */
export class InvalidCredentialsError extends TesseraError {
  constructor() {
    // RFC 9110 §15.5.2: a 401 carries a challenge.
    super(SignInErrorCode.InvalidCredentials, 401, 'The email address or password is incorrect.', {
      'WWW-Authenticate': bearerChallenge(),
    });
  }
}

/** RFC 6749 §5.2 invalid_request: no refresh token, two of them, or two that differ. */
export class InvalidRefreshRequestError extends TesseraError {
  constructor(detail: string) {
    super(SignInErrorCode.InvalidRequest, 400, detail);
  }
}

/**
 * A cookie-authenticated refresh must be a JSON request: an HTML form cannot send one, so a
 * cross-site page cannot make the browser spend the cookie (OWASP CSRF cheat sheet, on top of
 * SameSite=Strict).
 */
export class JsonRequiredError extends TesseraError {
  constructor() {
    super(
      SignInErrorCode.UnsupportedMediaType,
      415,
      'A refresh with the cookie must be sent as application/json (an empty object will do).',
    );
  }
}
