import { TesseraError } from '@tessera/platform';

export enum PasswordErrorCode {
  WrongCurrentPassword = 'wrong_current_password',
}

/**
 * 403, not 401: the access token is fine, the proof of knowing the password is not. A 401
 * would tell a browser client its session is over.
 */
export class WrongCurrentPasswordError extends TesseraError {
  constructor() {
    super(PasswordErrorCode.WrongCurrentPassword, 403, 'The current password is incorrect.');
  }
}
