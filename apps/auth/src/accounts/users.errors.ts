import { TesseraError } from '@tessera/platform';

export enum UsersErrorCode {
  EmailTaken = 'email_taken',
  ValidationFailed = 'validation_failed',
}

export class EmailTakenError extends TesseraError {
  constructor() {
    super(UsersErrorCode.EmailTaken, 409, 'An account with this email address already exists.');
  }
}

/**
 * An address with no canonical form (database/email.ts) reached account creation: the DTOs
 * refuse it at the edge, so only a caller that skips them (first admin, CLI) meets this.
 */
export class InvalidEmailError extends TesseraError {
  constructor() {
    super(
      UsersErrorCode.ValidationFailed,
      400,
      'The email address is not valid, or holds a control, format or invisible character.',
    );
  }
}
