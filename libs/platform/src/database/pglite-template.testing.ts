import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { PGlite } from '@electric-sql/pglite';

/**
 * Where the tests keep their PGlite directories: the run's own temporary directory when
 * `npm test` (scripts/test.mjs) made one (it removes it afterwards), else the system's.
 */
export function testTempRoot(): string {
  const root = process.env.TESSERA_TEST_TMPDIR || tmpdir();
  mkdirSync(root, { recursive: true });
  return root;
}

function pgliteVersion(): string {
  // The package's exports hide its package.json: walk up from the entry point instead.
  let dir = path.dirname(createRequire(__filename).resolve('@electric-sql/pglite'));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) {
    dir = path.dirname(dir);
  }
  return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

let template: Promise<string> | undefined;

/**
 * A PGlite cluster as initdb leaves it, made once per run and per PGlite version: creating a
 * cluster takes seconds (more on a loaded machine), copying one a fraction of that. Nothing
 * is migrated in it: every app still applies its own migrations at boot, as in production.
 * Several jest workers may race to make it; each builds its own and the first rename wins.
 */
function pgliteTemplate(): Promise<string> {
  template ??= (async () => {
    const final = path.join(testTempRoot(), `tessera-pglite-template-${pgliteVersion()}`);
    if (existsSync(path.join(final, 'PG_VERSION'))) {
      return final;
    }
    const building = `${final}.${process.pid}-${randomBytes(4).toString('hex')}`;
    const pg = new PGlite(building);
    await pg.waitReady;
    await pg.close();
    try {
      renameSync(building, final);
    } catch (e) {
      rmSync(building, { recursive: true, force: true });
      if (!existsSync(path.join(final, 'PG_VERSION'))) {
        throw e;
      }
    }
    return final;
  })();
  template.catch(() => (template = undefined));
  return template;
}

/** A fresh, empty PGlite data directory of its own (a copy of the template): remove it when done. */
export async function freshPgliteDirectory(): Promise<string> {
  const source = await pgliteTemplate();
  const dir = mkdtempSync(path.join(testTempRoot(), 'tessera-pglite-'));
  cpSync(source, dir, { recursive: true });
  return dir;
}
