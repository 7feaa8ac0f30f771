import { randomBytes } from 'node:crypto';

import { openPrivateKey, sealPrivateKey } from './key-encryption';
import { KeyDecryptionError } from './keys.errors';

const kek = randomBytes(32);
const plaintext = Buffer.from('a PKCS#8 private key, in spirit');

/** Flips one bit in the given base64url part of a sealed value. */
function tamper(sealed: string, part: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[part], 'base64url');
  bytes[0] ^= 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

describe('private key encryption', () => {
  it('opens what it sealed', () => {
    expect(openPrivateKey(kek, 'kid-1', sealPrivateKey(kek, 'kid-1', plaintext))).toEqual(plaintext);
  });

  it('never stores the plaintext and uses a fresh IV each time', () => {
    const a = sealPrivateKey(kek, 'kid-1', plaintext);
    const b = sealPrivateKey(kek, 'kid-1', plaintext);
    expect(a).not.toEqual(b);
    expect(a).not.toContain(plaintext.toString('base64url'));
    expect(a.startsWith('v1.')).toBe(true);
  });

  it.each([
    ['the IV', 1],
    ['the ciphertext', 2],
    ['the tag', 3],
  ])('detects a change to %s', (_name, part) => {
    const sealed = sealPrivateKey(kek, 'kid-1', plaintext);
    expect(() => openPrivateKey(kek, 'kid-1', tamper(sealed, part))).toThrow(KeyDecryptionError);
  });

  it('refuses a truncated tag', () => {
    const parts = sealPrivateKey(kek, 'kid-1', plaintext).split('.');
    parts[3] = Buffer.from(parts[3], 'base64url').subarray(0, 4).toString('base64url');
    expect(() => openPrivateKey(kek, 'kid-1', parts.join('.'))).toThrow(KeyDecryptionError);
  });

  it('refuses another key-encryption key', () => {
    const sealed = sealPrivateKey(kek, 'kid-1', plaintext);
    expect(() => openPrivateKey(randomBytes(32), 'kid-1', sealed)).toThrow(KeyDecryptionError);
  });

  it('refuses a sealed key moved to another kid', () => {
    const sealed = sealPrivateKey(kek, 'kid-1', plaintext);
    expect(() => openPrivateKey(kek, 'kid-2', sealed)).toThrow(KeyDecryptionError);
  });

  it('refuses garbage and unknown versions', () => {
    expect(() => openPrivateKey(kek, 'kid-1', 'not sealed')).toThrow(KeyDecryptionError);
    const v2 = sealPrivateKey(kek, 'kid-1', plaintext).replace(/^v1\./, 'v2.');
    expect(() => openPrivateKey(kek, 'kid-1', v2)).toThrow(KeyDecryptionError);
  });

  it('names the kid but never the key material in its message', () => {
    const error = (() => {
      try {
        openPrivateKey(randomBytes(32), 'kid-1', sealPrivateKey(kek, 'kid-1', plaintext));
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error?.message).toContain('kid-1');
    expect(error?.message).not.toContain(kek.toString('base64'));
  });
});
