import type { KeyObject } from 'node:crypto';
import { createPrivateKey, createPublicKey, generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';

import type { SigningAlgorithm as AnySigningAlgorithm } from '@tessera/auth';
import { calculateJwkThumbprint } from 'jose';

import { KeyImportError } from './keys.errors';

/** The algorithms of a key pair in the key set. */
export type SigningAlgorithm = 'RS256' | 'ES256';

/** A public JWK as published in the JWKS and the key bucket: never a private member. */
export interface PublishedJwk {
  kty: string;
  kid: string;
  alg: SigningAlgorithm;
  use: 'sig';
  [member: string]: string;
}

/** What tokens are signed with: a key pair's private half, or HS256 mode's shared secret. */
export interface Signer {
  kid: string;
  alg: AnySigningAlgorithm;
  privateKey: KeyObject;
}

/** A signing key parsed once: the private half as a KeyObject, the public half as its JWK. */
export interface SigningKey extends Signer {
  alg: SigningAlgorithm;
  publicJwk: PublishedJwk;
}

const generate = promisify(generateKeyPair);

/** RFC 7638 required members, the only ones that go into a published key and its thumbprint. */
const PUBLIC_MEMBERS: Record<string, readonly string[]> = { RSA: ['e', 'kty', 'n'], EC: ['crv', 'kty', 'x', 'y'] };

export async function generateSigningKey(alg: SigningAlgorithm = 'RS256'): Promise<SigningKey> {
  const { privateKey } =
    alg === 'RS256'
      ? await generate('rsa', { modulusLength: 2048, publicExponent: 0x10001 })
      : await generate('ec', { namedCurve: 'P-256' });
  return signingKeyFrom(privateKey, alg);
}

/** Derives the public JWK and the `kid` (RFC 7638 SHA-256 thumbprint) from a private key. */
export async function signingKeyFrom(privateKey: KeyObject, alg: SigningAlgorithm): Promise<SigningKey> {
  const full = createPublicKey(privateKey).export({ format: 'jwk' }) as Record<string, unknown>;
  const members = PUBLIC_MEMBERS[String(full.kty)];
  if (!members || (alg === 'RS256') !== (full.kty === 'RSA')) {
    throw new Error(`a ${String(full.kty)} key cannot sign ${alg}`);
  }
  const jwk = Object.fromEntries(members.map((m) => [m, String(full[m])]));
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return { kid, alg, privateKey, publicJwk: { ...jwk, kty: String(full.kty), kid, alg, use: 'sig' } };
}

export function exportPrivateKey(privateKey: KeyObject): Buffer {
  return privateKey.export({ format: 'der', type: 'pkcs8' });
}

export function importPrivateKey(der: Buffer): KeyObject {
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

const MIN_RSA_BITS = 2048;

/**
 * Reads an operator-supplied private key, e.g. when migrating from another issuer
 * (docs/operations.md, "Keys"): PEM (PKCS#8, PKCS#1 or SEC1) or a private JWK, RSA of at least 2048
 * bits or EC P-256. The algorithm follows from the key; a JWK's own `alg`, when present, must agree
 * with it.
 */
export async function signingKeyFromMaterial(material: string): Promise<SigningKey> {
  const text = material.trim();
  let privateKey: KeyObject;
  let declaredAlg: unknown;
  if (text.startsWith('{')) {
    let jwk: Record<string, unknown>;
    try {
      jwk = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new KeyImportError('the file starts with "{" but is not valid JSON');
    }
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk) || typeof jwk.d !== 'string') {
      throw new KeyImportError('the JWK is not a private key (it has no "d" member)');
    }
    declaredAlg = jwk.alg;
    privateKey = parsePrivate(() => createPrivateKey({ key: jwk as never, format: 'jwk' }));
  } else if (text.startsWith('-----BEGIN ENCRYPTED PRIVATE KEY-----') || /Proc-Type: 4,ENCRYPTED/.test(text)) {
    throw new KeyImportError('the PEM is encrypted: decrypt it first (openssl pkey -in key.pem -out plain.pem)');
  } else if (/^-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(text)) {
    privateKey = parsePrivate(() => createPrivateKey({ key: text, format: 'pem' }));
  } else {
    throw new KeyImportError('expected a PEM private key ("-----BEGIN PRIVATE KEY-----") or a private JWK');
  }
  let alg: SigningAlgorithm;
  if (privateKey.asymmetricKeyType === 'rsa') {
    if ((privateKey.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) {
      throw new KeyImportError(`an RSA key must be at least ${MIN_RSA_BITS} bits`);
    }
    alg = 'RS256';
  } else if (privateKey.asymmetricKeyType === 'ec' && privateKey.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    alg = 'ES256';
  } else {
    throw new KeyImportError('only RSA (RS256) and EC P-256 (ES256) keys can sign Tessera tokens');
  }
  if (declaredAlg !== undefined && declaredAlg !== alg) {
    throw new KeyImportError(`the JWK says "alg": ${JSON.stringify(declaredAlg)}, but the key is a ${alg} key`);
  }
  return signingKeyFrom(privateKey, alg);
}

function parsePrivate(parse: () => KeyObject): KeyObject {
  try {
    return parse();
  } catch {
    // The parser's own message can quote key material; never echo it.
    throw new KeyImportError('the key could not be parsed');
  }
}
