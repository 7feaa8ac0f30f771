import path from 'node:path';
import { rmSync } from 'node:fs';

import type { DatabaseHandle } from '@tessera/platform';
import { openDatabase } from '@tessera/platform';
import { freshPgliteDirectory } from '@tessera/platform/testing';

import { backfillCanonicalEmails } from '../src/database/canonical-email-backfill';
import * as schema from '../src/database/schema';

/**
 * A fresh PGlite with the auth migrations applied, for unit specs that touch SQL: a copy of
 * the run's PGlite template (libs/platform/src/database/pglite-template.testing.ts), which
 * close() removes again.
 */
export async function openTestDatabase(): Promise<DatabaseHandle<typeof schema>> {
  const dataDir = await freshPgliteDirectory();
  const handle = await openDatabase({
    dataDir,
    migrationsFolder: path.join(__dirname, '..', 'migrations'),
    schema,
    afterMigrations: async (db) => {
      await backfillCanonicalEmails(db);
    },
  }).catch((e: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  });
  return {
    ...handle,
    close: async () => {
      try {
        await handle.close();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
