import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { resolveKeyEncryptionKey } from './key-encryption-key';

const KEK = Buffer.alloc(32, 9);

describe('resolveKeyEncryptionKey', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tessera-kek-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('uses AUTH_KEY_ENCRYPTION_KEY when set, without a warning', () => {
    const resolved = resolveKeyEncryptionKey({
      AUTH_KEY_ENCRYPTION_KEY: KEK.toString('base64'),
      AUTH_DATA_DIR: dir,
      production: false,
    });
    expect(resolved).toEqual({ kek: KEK });
  });

  it('generates a development key once, mode 0600, and reuses it', () => {
    const dataDir = path.join(dir, 'auth');
    const first = resolveKeyEncryptionKey({ AUTH_DATA_DIR: dataDir, production: false });
    const second = resolveKeyEncryptionKey({ AUTH_DATA_DIR: dataDir, production: false });
    expect(first.kek).toHaveLength(32);
    expect(second.kek).toEqual(first.kek);
    expect(first.warning).toContain('development');
    expect(first.warning).not.toContain(first.kek.toString('base64'));
    if (process.platform !== 'win32') {
      expect(statSync(path.join(dataDir, 'kek')).mode & 0o777).toBe(0o600);
    }
  });

  it('keeps the key in memory only when the database is in memory', () => {
    const resolved = resolveKeyEncryptionKey({ AUTH_DATA_DIR: 'memory://', production: false });
    expect(resolved.kek).toHaveLength(32);
    expect(resolved.warning).toContain('in-memory');
  });

  it('refuses a key file other users can read', () => {
    if (process.platform === 'win32') {
      return;
    }
    const file = path.join(dir, 'kek');
    writeFileSync(file, KEK.toString('base64'));
    chmodSync(file, 0o644);
    expect(() => resolveKeyEncryptionKey({ AUTH_DATA_DIR: dir, production: false })).toThrow(/chmod 600/);
  });

  it('refuses a key file of the wrong size', () => {
    writeFileSync(path.join(dir, 'kek'), Buffer.alloc(16).toString('base64'), { mode: 0o600 });
    expect(() => resolveKeyEncryptionKey({ AUTH_DATA_DIR: dir, production: false })).toThrow(/32-byte/);
    expect(readFileSync(path.join(dir, 'kek'), 'utf8')).toBe(Buffer.alloc(16).toString('base64'));
  });

  it('never generates a key in production', () => {
    expect(() => resolveKeyEncryptionKey({ AUTH_DATA_DIR: dir, production: true })).toThrow(/required in production/);
  });
});
