import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { AuthConfig } from '../config/auth.config';
import { KEK_BYTES } from './key-encryption';

/** Injection token for the 32-byte key-encryption key. */
export const KEY_ENCRYPTION_KEY = Symbol('KEY_ENCRYPTION_KEY');

export interface ResolvedKek {
  kek: Buffer;
  /** Set when a development default is in use: what to warn about (never the key itself). */
  warning?: string;
}

type KekSettings = Pick<AuthConfig, 'AUTH_KEY_ENCRYPTION_KEY' | 'AUTH_DATA_DIR' | 'production'>;

/**
 * The KEK from AUTH_KEY_ENCRYPTION_KEY, or in development a generated one: kept in
 * `<AUTH_DATA_DIR>/kek` (mode 0600) so keys survive restarts, or only in memory when the
 * database is in memory too. Production never gets here without the variable (config refuses).
 */
export function resolveKeyEncryptionKey(config: KekSettings): ResolvedKek {
  if (config.AUTH_KEY_ENCRYPTION_KEY) {
    return { kek: Buffer.from(config.AUTH_KEY_ENCRYPTION_KEY, 'base64') };
  }
  if (config.production) {
    throw new Error('AUTH_KEY_ENCRYPTION_KEY is required in production');
  }
  if (config.AUTH_DATA_DIR.startsWith('memory://')) {
    return {
      kek: randomBytes(KEK_BYTES),
      warning:
        'AUTH_KEY_ENCRYPTION_KEY is not set: using a throw-away in-memory key-encryption key (development default).',
    };
  }
  const file = path.resolve(config.AUTH_DATA_DIR, 'kek');
  return {
    kek: readOrCreateKekFile(file),
    warning: `AUTH_KEY_ENCRYPTION_KEY is not set: using the development key-encryption key in ${file}. Set AUTH_KEY_ENCRYPTION_KEY outside development.`,
  };
}

function readOrCreateKekFile(file: string): Buffer {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    // `wx`: never overwrite a KEK another process wrote first; that would orphan its keys.
    writeFileSync(file, `${randomBytes(KEK_BYTES).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw e;
    }
  }
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) {
    throw new Error(`${file} is readable by other users; run \`chmod 600 ${file}\``);
  }
  const kek = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (kek.length !== KEK_BYTES) {
    throw new Error(`${file} does not hold a base64-encoded ${KEK_BYTES}-byte key`);
  }
  return kek;
}
