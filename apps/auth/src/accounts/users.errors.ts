import { TesseraError } from '@tessera/platform';

export enum UsersErrorCode {
  EmailTaken = 'email_taken',
}

export class EmailTakenError extends TesseraError {
  constructor() {
    super(UsersErrorCode.EmailTaken, 409, 'An account with this email address already exists.');
  }
}
