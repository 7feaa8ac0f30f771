import { TesseraError } from '@tessera/platform';

export enum KeysErrorCode {
  KeyDecryptionFailed = 'key_decryption_failed',
  SigningKeyUnavailable = 'signing_key_unavailable',
  KeyImportRefused = 'key_import_refused',
  KeyAlreadyKnown = 'key_already_known',
  RotationUnavailable = 'key_rotation_unavailable',
  AlgorithmMismatch = 'key_algorithm_mismatch',
  KeyNotFound = 'key_not_found',
  ActiveKeyWithdrawal = 'active_key_withdrawal',
}

/**
 * A stored private key did not open: wrong AUTH_KEY_ENCRYPTION_KEY, or the row was altered.
 * Auth refuses to start rather than silently minting a new key.
 */
export class KeyDecryptionError extends TesseraError {
  constructor(readonly kid: string) {
    super(
      KeysErrorCode.KeyDecryptionFailed,
      500,
      `Signing key ${kid} cannot be decrypted: AUTH_KEY_ENCRYPTION_KEY is not the key it was stored with, or the stored key was altered.`,
    );
  }
}

/** No signing key is loaded yet; tokens cannot be issued. */
export class SigningKeyUnavailableError extends TesseraError {
  constructor() {
    super(KeysErrorCode.SigningKeyUnavailable, 503, 'Tokens cannot be issued right now; try again shortly.', {
      'Retry-After': '5',
    });
  }
}

/** An imported private key is unusable; the message says why, never quoting the key. */
export class KeyImportError extends TesseraError {
  constructor(reason: string) {
    super(KeysErrorCode.KeyImportRefused, 400, `The key cannot be imported: ${reason}.`);
  }
}

/** The imported key is already in the key set (it would not change the signing key). */
export class KeyAlreadyKnownError extends TesseraError {
  constructor(readonly kid: string) {
    super(KeysErrorCode.KeyAlreadyKnown, 409, `The key ${kid} is already in the key set.`);
  }
}

/** HS256 mode has one shared secret and no key set: it changes only by reconfiguring every service. */
export class KeyRotationUnavailableError extends TesseraError {
  constructor() {
    super(
      KeysErrorCode.RotationUnavailable,
      409,
      'Keys cannot be rotated or imported in HS256 mode: change AUTH_HS256_SECRET in auth and every service together.',
    );
  }
}

/** A key of another algorithm than AUTH_SIGNING_ALG: auth would rotate away from it at its next start. */
export class KeyAlgorithmMismatchError extends TesseraError {
  constructor(alg: string, configured: string) {
    super(
      KeysErrorCode.AlgorithmMismatch,
      400,
      `AUTH_SIGNING_ALG is ${configured}, so a new ${alg} key would be replaced at the next start: set AUTH_SIGNING_ALG=${alg} first (auth rotates to it when it starts).`,
    );
  }
}

export class KeyNotFoundError extends TesseraError {
  constructor(kid: string) {
    super(KeysErrorCode.KeyNotFound, 404, `No key ${kid} is in the key set.`);
  }
}

/** The signing key cannot be withdrawn: rotate first, then withdraw it. */
export class ActiveKeyWithdrawalError extends TesseraError {
  constructor(kid: string) {
    super(
      KeysErrorCode.ActiveKeyWithdrawal,
      409,
      `Key ${kid} is the one signing tokens: rotate first (keys rotate), then withdraw it.`,
    );
  }
}
