import { createHmac, timingSafeEqual, verify } from 'node:crypto';

import type { VerificationKey } from '../keys/public-jwk';

/**
 * JWS signature check (RFC 7515 §5.2) with node:crypto and the pre-parsed KeyObject: RS256 is
 * RSASSA-PKCS1-v1_5 with SHA-256, ES256 is ECDSA P-256 with SHA-256 in the JOSE (r||s) form,
 * HS256 (shared-secret mode only) is HMAC SHA-256 compared in constant time.
 * Synchronous and about five times cheaper than going through WebCrypto, which matters on
 * every request (README.md, "Performance": the verifier against the raw limit).
 */
export function signatureIsValid(token: string, key: VerificationKey): boolean {
  const dot = token.lastIndexOf('.');
  const encoded = token.slice(dot + 1);
  // Only the canonical encoding, so a token has exactly one spelling (a changed last character
  // is not the same token).
  if (!isCanonicalBase64url(encoded)) {
    return false;
  }
  const signature = Buffer.from(encoded, 'base64url');
  if (key.alg === 'ES256' && signature.length !== 64) {
    return false;
  }
  const input = Buffer.from(token.slice(0, dot), 'ascii');
  if (key.alg === 'HS256') {
    const expected = createHmac('sha256', key.key).update(input).digest();
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  }
  return key.alg === 'ES256'
    ? verify('sha256', input, { key: key.key, dsaEncoding: 'ieee-p1363' }, signature)
    : verify('sha256', input, key.key, signature);
}

/** Unused low bits of the last character, by length mod 4 (RFC 4648 §3.5); -1: no valid length. */
const SPARE_BITS = [0, -1, 4, 2];

/** The value of each base64url character, by character code. */
const SEXTET = new Map(
  [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].map((c, i) => [c.charCodeAt(0), i]),
);

/**
 * RFC 4648 §3.5: a canonical encoding has zero spare bits. Decoders ignore them, so without
 * this check up to 16 spellings decode to the same signature. O(1): only the last character.
 */
export function isCanonicalBase64url(encoded: string): boolean {
  const spare = SPARE_BITS[encoded.length % 4] ?? -1;
  if (spare <= 0) {
    return spare === 0;
  }
  const last = SEXTET.get(encoded.charCodeAt(encoded.length - 1));
  return last !== undefined && (last & ((1 << spare) - 1)) === 0;
}
