import { TesseraError } from '@tessera/platform';

export enum ProfileErrorCode {
  AccessDenied = 'profile_access_denied',
  NotFound = 'profile_not_found',
}

export class ProfileNotFoundError extends TesseraError {
  constructor() {
    super(ProfileErrorCode.NotFound, 404, 'No profile exists for that user.');
  }
}

/** A caller asked for someone else's profile without the `profile:read` scope. */
export class ProfileAccessDeniedError extends TesseraError {
  constructor() {
    super(ProfileErrorCode.AccessDenied, 403, 'This token may not read that profile.');
  }
}
