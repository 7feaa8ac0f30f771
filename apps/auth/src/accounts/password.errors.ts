import { TesseraError } from '@tessera/platform';

export enum PasswordErrorCode {
  WrongCurrentPassword = 'wrong_current_password',
  PasswordTooCommon = 'password_too_common',
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

/** A password found in the list of common and breached ones, or equal to the email. */
export class PasswordTooCommonError extends TesseraError {
  constructor() {
    super(
      PasswordErrorCode.PasswordTooCommon,
      400,
      'This password is too common or too easy to guess (or it is the email address); choose another.',
    );
  }
}
