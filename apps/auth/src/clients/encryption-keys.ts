import { importJWK, type JWK } from 'jose';

/** The ID token encryption the provider offers: the key's `alg`, then the content encryption. */
export const ID_TOKEN_ENCRYPTION_ALGS = ['RSA-OAEP-256', 'ECDH-ES'] as const;
export type IdTokenEncryptionAlg = (typeof ID_TOKEN_ENCRYPTION_ALGS)[number];
export const ID_TOKEN_ENCRYPTION_ENCS = ['A256GCM'] as const;

/** A client's key set is small; more keys would only cost every ID token a search. */
export const JWKS_MAX_KEYS = 5;
const RSA_MIN_BITS = 2048;
const RSA_MAX_BITS = 8192;

/** Members only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** The curves ECDH-ES works with here: NIST P-256/384/521 (kty EC) and X25519 (kty OKP). */
const ECDH_CURVES: Record<string, string[]> = { EC: ['P-256', 'P-384', 'P-521'], OKP: ['X25519'] };

/** Which algorithm a key serves, by its type; undefined for one no offered algorithm uses. */
function algorithmFor(jwk: Record<string, unknown>): IdTokenEncryptionAlg | undefined {
  if (jwk.kty === 'RSA') {
    return 'RSA-OAEP-256';
  }
  const curves = typeof jwk.kty === 'string' ? ECDH_CURVES[jwk.kty] : undefined;
  return curves && typeof jwk.crv === 'string' && curves.includes(jwk.crv) ? 'ECDH-ES' : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The public keys of a valid `jwks` value, with the algorithm each serves. */
export interface EncryptionKey {
  jwk: JWK;
  alg: IdTokenEncryptionAlg;
}

/**
 * Checks a client's `jwks` (RFC 7591 §2): `{keys: [...]}` of 1 to JWKS_MAX_KEYS public
 * encryption keys that jose can import. A private or symmetric key is refused, since holding a
 * client's private key would make auth able to read what only the client should; so is a key
 * marked for signing, or for an algorithm other than the one its type serves. Returns the
 * problem, for invalid_client_metadata, or the keys.
 */
export async function checkEncryptionKeys(jwks: unknown): Promise<string | EncryptionKey[]> {
  if (!isRecord(jwks) || !Array.isArray(jwks.keys)) {
    return 'jwks must be a JWK Set: {"keys": [...]}';
  }
  if (jwks.keys.length === 0 || jwks.keys.length > JWKS_MAX_KEYS) {
    return `jwks must hold 1 to ${JWKS_MAX_KEYS} keys`;
  }
  const keys: EncryptionKey[] = [];
  for (const [i, jwk] of jwks.keys.entries()) {
    const name = `jwks.keys[${i}]`;
    if (!isRecord(jwk)) {
      return `${name} must be a JWK object`;
    }
    if (PRIVATE_MEMBERS.some((member) => member in jwk)) {
      return `${name} must be a public key: send no private or symmetric key material`;
    }
    const alg = algorithmFor(jwk);
    if (!alg) {
      return `${name} must be an RSA key (RSA-OAEP-256) or an EC P-256/P-384/P-521 or X25519 key (ECDH-ES)`;
    }
    if (jwk.use !== undefined && jwk.use !== 'enc') {
      return `${name}.use must be "enc"`;
    }
    if (jwk.alg !== undefined && jwk.alg !== alg) {
      return `${name}.alg must be ${alg} for this key type`;
    }
    if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || jwk.kid.length === 0 || jwk.kid.length > 200)) {
      return `${name}.kid must be a string of 1 to 200 characters`;
    }
    if (alg === 'RSA-OAEP-256') {
      const bits = typeof jwk.n === 'string' ? Buffer.from(jwk.n, 'base64url').length * 8 : 0;
      if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
        return `${name} must be an RSA key of ${RSA_MIN_BITS} to ${RSA_MAX_BITS} bits`;
      }
    }
    try {
      await importJWK(jwk as JWK, alg);
    } catch {
      return `${name} is not a valid ${alg} public key`;
    }
    keys.push({ jwk: jwk, alg });
  }
  return keys;
}
