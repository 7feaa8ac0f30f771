import { createHmac, createSecretKey } from 'node:crypto';

import type { VerificationKey } from './public-jwk';

/**
 * RFC 7518 §3.2: an HS256 key must be at least as long as the hash output (32 bytes). Shorter
 * secrets are guessable offline from a single token, so they are refused, never padded.
 */
export const MIN_SHARED_SECRET_BYTES = 32;

/**
 * The `kid` of the shared-secret key: derived from the secret by HMAC, so the issuer and every
 * verifier agree on it without configuration, and it reveals nothing about the secret.
 */
export function sharedSecretKid(secret: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update('tessera hs256 key id')
    .digest('base64url')
    .slice(0, 22);
}

/**
 * The one key of HS256 mode (README.md, "Signing algorithms"): a single shared secret for one
 * trusted group of services. It is never mixed with asymmetric keys: in this mode the key set holds
 * only this key, and `parsePublicJwk` never admits a symmetric key into an asymmetric key set.
 */
export function sharedSecretKey(secret: string): VerificationKey {
  const bytes = Buffer.from(secret, 'utf8');
  if (bytes.length < MIN_SHARED_SECRET_BYTES) {
    throw new Error(`an HS256 secret must be at least ${MIN_SHARED_SECRET_BYTES} bytes`);
  }
  return { kid: sharedSecretKid(secret), alg: 'HS256', key: createSecretKey(bytes) };
}
