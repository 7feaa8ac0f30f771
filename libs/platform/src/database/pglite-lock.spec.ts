import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { DatabaseInUseError, lockPgliteDirectory } from './pglite-lock';

describe('lockPgliteDirectory', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tessera-lock-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds the directory with this pid and lets it go on release', () => {
    const release = lockPgliteDirectory(dir);
    expect(readFileSync(path.join(dir, 'tessera.lock'), 'utf8')).toBe(String(process.pid));
    release();
    expect(existsSync(path.join(dir, 'tessera.lock'))).toBe(false);
  });

  it('refuses a directory another live process holds, naming it', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      writeFileSync(path.join(dir, 'tessera.lock'), String(other.pid));
      expect(() => lockPgliteDirectory(dir)).toThrow(DatabaseInUseError);
      expect(() => lockPgliteDirectory(dir)).toThrow(`in use by process ${other.pid}`);
    } finally {
      other.kill();
      await new Promise((resolve) => other.once('exit', resolve));
    }
    // Once it has died, its lock is stale and taken over.
    const release = lockPgliteDirectory(dir);
    expect(readFileSync(path.join(dir, 'tessera.lock'), 'utf8')).toBe(String(process.pid));
    release();
  });

  it('shares the lock between handles of one process until the last is released', () => {
    const first = lockPgliteDirectory(dir);
    const second = lockPgliteDirectory(dir);
    first();
    expect(existsSync(path.join(dir, 'tessera.lock'))).toBe(true);
    second();
    expect(existsSync(path.join(dir, 'tessera.lock'))).toBe(false);
  });
});
