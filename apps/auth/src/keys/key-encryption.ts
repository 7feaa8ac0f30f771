import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import { KeyDecryptionError } from './keys.errors';

/**
 * Private signing keys at rest: AES-256-GCM under the key-encryption key (KEK), stored as
 * `v1.<iv>.<ciphertext>.<tag>` (base64url). The key's `kid` is bound in as associated data,
 * so a sealed key copied onto another row no longer opens.
 */
const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEK_BYTES = 32;

function aad(kid: string): Buffer {
  return Buffer.from(`tessera:signing-key:${kid}`, 'utf8');
}

function checkKek(kek: Buffer): void {
  if (kek.length !== KEK_BYTES) {
    throw new Error(`the key-encryption key must be ${KEK_BYTES} bytes`);
  }
}

export function sealPrivateKey(kek: Buffer, kid: string, plaintext: Buffer): string {
  checkKek(kek);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, kek, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(kid));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [VERSION, iv, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

/** Opens a sealed key; any tampering, a wrong KEK or a wrong `kid` is a KeyDecryptionError. */
export function openPrivateKey(kek: Buffer, kid: string, sealed: string): Buffer {
  checkKek(kek);
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION) {
    throw new KeyDecryptionError(kid);
  }
  const [iv, ciphertext, tag] = parts.slice(1).map((part) => Buffer.from(part, 'base64url'));
  // An explicit tag length: GCM would otherwise accept a truncated tag, weakening integrity.
  if (!iv || !ciphertext || !tag || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new KeyDecryptionError(kid);
  }
  try {
    const decipher = createDecipheriv(ALGORITHM, kek, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(kid));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new KeyDecryptionError(kid);
  }
}
