import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Directories this process holds, with how many handles share each (tests open one twice). */
const held = new Map<string, number>();

/** Another live process has this PGlite directory open. */
export class DatabaseInUseError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `The embedded database in ${dataDir} is in use by process ${pid}. PGlite serves one process at a time: ` +
        'stop that process first, or give every process the same PostgreSQL database (<APP>_DATABASE_URL).',
    );
    this.name = 'DatabaseInUseError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the directory's lock file (`tessera.lock`, holding the pid) so that a second process,
 * e.g. the operator CLI while the app runs, cannot open the same PGlite files and corrupt them.
 * A lock left by a process that has died is taken over. Returns the release function.
 */
export function lockPgliteDirectory(dataDir: string): () => void {
  const file = path.join(path.resolve(dataDir), 'tessera.lock');
  const count = held.get(file) ?? 0;
  if (count === 0) {
    for (let attempt = 0; ; attempt++) {
      try {
        const fd = openSync(file, 'wx', 0o600);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
          throw e;
        }
        const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
          throw new DatabaseInUseError(dataDir, pid);
        }
        rmSync(file, { force: true });
      }
    }
  }
  held.set(file, count + 1);
  let released = false;
  return () => {
    if (released) {
      return;
    }
    released = true;
    const left = (held.get(file) ?? 1) - 1;
    if (left > 0) {
      held.set(file, left);
      return;
    }
    held.delete(file);
    rmSync(file, { force: true });
  };
}
