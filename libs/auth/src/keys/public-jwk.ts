import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';

/** Asymmetric algorithms a key may be published for. HS* is never accepted from a key set. */
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'ES256'] as const;
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

/** Every algorithm a Tessera token may carry: the asymmetric ones, or HS256 in shared-secret mode only. */
export type SigningAlgorithm = AsymmetricAlgorithm | 'HS256';

/**
 * A parsed verification key: the algorithm is the key's, never the token's (RFC 8725 §3.1).
 * `key` is a public KeyObject, or the secret KeyObject of HS256 mode (keys/shared-secret.ts).
 */
export interface VerificationKey {
  kid: string;
  alg: SigningAlgorithm;
  key: KeyObject;
}

const KID = /^[A-Za-z0-9_-]{1,128}$/;
const MIN_RSA_BITS = 2048;

/**
 * Parses one JWK of a key set into a KeyObject, once. Anything that is not a public RSA or
 * P-256 signing key with a sane `kid` and a matching `alg` is refused.
 */
export function parsePublicJwk(value: unknown): VerificationKey {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('JWK is not an object');
  }
  const jwk = value as Record<string, unknown>;
  if (typeof jwk.kid !== 'string' || !KID.test(jwk.kid)) {
    throw new Error('JWK has no usable kid');
  }
  if (jwk.use !== undefined && jwk.use !== 'sig') {
    throw new Error('JWK is not a signing key');
  }
  if ('d' in jwk || 'p' in jwk || 'k' in jwk) {
    throw new Error('JWK holds private or symmetric material');
  }
  let alg: AsymmetricAlgorithm;
  if (jwk.kty === 'RSA' && jwk.alg === 'RS256') {
    alg = 'RS256';
  } else if (jwk.kty === 'EC' && jwk.crv === 'P-256' && jwk.alg === 'ES256') {
    alg = 'ES256';
  } else {
    throw new Error('JWK is not an RS256 or ES256 public key');
  }
  const key = createPublicKey({ key: jwk as never, format: 'jwk' });
  if (alg === 'RS256' && (key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) {
    throw new Error('RSA key is shorter than 2048 bits');
  }
  return { kid: jwk.kid, alg, key };
}
