import { TesseraError } from '@tessera/platform';

export enum ProfileErrorCode {
  AccessDenied = 'profile_access_denied',
  NotFound = 'profile_not_found',
  UpstreamRefused = 'upstream_refused',
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

/**
 * Orders refused, as 401, the token this service made for the caller (its exchanged token): the
 * caller's own token was fine, so passing the 401 on would tell their client to sign in again for
 * a fault between the services (an actor orders does not allow, a clock, a key). 502 instead.
 */
export class UpstreamRefusedError extends TesseraError {
  constructor() {
    super(
      ProfileErrorCode.UpstreamRefused,
      502,
      "The orders service refused this service's credential for you; this is a server configuration problem.",
    );
  }
}
