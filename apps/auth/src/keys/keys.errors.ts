import { TesseraError } from '@tessera/platform';

export enum KeysErrorCode {
  KeyDecryptionFailed = 'key_decryption_failed',
  SigningKeyUnavailable = 'signing_key_unavailable',
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
