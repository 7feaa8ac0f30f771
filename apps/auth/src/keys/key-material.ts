import type { KeyObject } from 'node:crypto';
import { createPrivateKey, createPublicKey, generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';

import { calculateJwkThumbprint } from 'jose';

export type SigningAlgorithm = 'RS256' | 'ES256';

/** A public JWK as published in the JWKS and the key bucket: never a private member. */
export interface PublishedJwk {
  kty: string;
  kid: string;
  alg: SigningAlgorithm;
  use: 'sig';
  [member: string]: string;
}

/** A signing key parsed once: the private half as a KeyObject, the public half as its JWK. */
export interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: KeyObject;
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
