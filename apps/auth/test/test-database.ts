import path from 'node:path';

import type { DatabaseHandle } from '@tessera/platform';
import { openDatabase } from '@tessera/platform';

import * as schema from '../src/database/schema';

/** A fresh in-memory PGlite with the auth migrations applied, for unit specs that touch SQL. */
export function openTestDatabase(): Promise<DatabaseHandle<typeof schema>> {
  return openDatabase({
    dataDir: 'memory://',
    migrationsFolder: path.join(__dirname, '..', 'migrations'),
    schema,
  });
}
