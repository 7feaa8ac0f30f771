import { TesseraError } from '@tessera/platform';

export enum AdminErrorCode {
  UserNotFound = 'user_not_found',
  CannotDisableSelf = 'cannot_disable_self',
  CannotDemoteSelf = 'cannot_demote_self',
  LastAdmin = 'last_admin',
}

export class UserNotFoundError extends TesseraError {
  constructor() {
    super(AdminErrorCode.UserNotFound, 404, 'No such user.');
  }
}

/** An admin locking themself out is always a mistake; another admin can do it if it is not. */
export class CannotDisableSelfError extends TesseraError {
  constructor() {
    super(AdminErrorCode.CannotDisableSelf, 409, 'An admin cannot disable their own account; ask another admin.');
  }
}

export class CannotDemoteSelfError extends TesseraError {
  constructor() {
    super(AdminErrorCode.CannotDemoteSelf, 409, 'An admin cannot remove their own admin role; ask another admin.');
  }
}

/** Two admins demoting or disabling each other at once: the second change would leave none. */
export class LastAdminError extends TesseraError {
  constructor() {
    super(AdminErrorCode.LastAdmin, 409, 'This change would leave no enabled admin account.');
  }
}
