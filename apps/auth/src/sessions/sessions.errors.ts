import { TesseraError } from '@tessera/platform';

export enum SessionsErrorCode {
  InvalidCredentials = 'invalid_credentials',
}

/**
 * Unknown email, wrong password and disabled account all end here, with one status, body and
 * header set, so the answer never tells which accounts exist.
 */
export class InvalidCredentialsError extends TesseraError {
  constructor() {
    // RFC 9110 §15.5.2: a 401 carries a challenge.
    super(SessionsErrorCode.InvalidCredentials, 401, 'The email address or password is incorrect.', {
      'WWW-Authenticate': 'Bearer realm="tessera"',
    });
  }
}
