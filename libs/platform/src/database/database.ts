import { mkdirSync } from 'node:fs';

import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { sql } from 'drizzle-orm';
import { Pool } from 'pg';

import { lockPgliteDirectory } from './pglite-lock';

export type Database<TSchema extends Record<string, unknown>> = PgDatabase<PgQueryResultHKT, TSchema>;

export interface DatabaseOptions<TSchema extends Record<string, unknown>> {
  /** PostgreSQL URL; when absent the embedded PGlite at `dataDir` is used. */
  url?: string;
  /** PGlite data directory, or `memory://` for a throw-away in-memory database. */
  dataDir: string;
  migrationsFolder: string;
  schema: TSchema;
  /**
   * Runs right after the SQL migrations, before anything else touches the database, at every
   * open: a data step SQL cannot do the way the app does (one computed in TypeScript). It
   * must be idempotent and safe to run on several replicas at once.
   */
  afterMigrations?: (db: Database<TSchema>) => Promise<void>;
}

export interface DatabaseHandle<TSchema extends Record<string, unknown>> {
  db: Database<TSchema>;
  kind: 'postgres' | 'pglite';
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Opens the app's own database and applies its migrations before anything else touches it. */
export async function openDatabase<TSchema extends Record<string, unknown>>(
  options: DatabaseOptions<TSchema>,
): Promise<DatabaseHandle<TSchema>> {
  if (options.url) {
    const pool = new Pool({ connectionString: options.url, max: 10 });
    // An idle client's error (server restart) must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    const db = drizzlePg({ client: pool, schema: options.schema });
    try {
      await migratePg(db, { migrationsFolder: options.migrationsFolder });
      await options.afterMigrations?.(db);
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw e;
    }
    return {
      db: db as unknown as Database<TSchema>,
      kind: 'postgres',
      ping: async () => {
        await db.execute(sql`select 1`);
      },
      close: () => pool.end(),
    };
  }
  let release = () => undefined as void;
  if (!options.dataDir.startsWith('memory://')) {
    // The database holds password hashes and encrypted keys: owner-only.
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    release = lockPgliteDirectory(options.dataDir);
  }
  try {
    const client = new PGlite(options.dataDir);
    const db = drizzlePglite({ client, schema: options.schema });
    try {
      await migratePglite(db, { migrationsFolder: options.migrationsFolder });
      await options.afterMigrations?.(db);
    } catch (e) {
      await client.close().catch(() => undefined);
      throw e;
    }
    return {
      db: db as unknown as Database<TSchema>,
      kind: 'pglite',
      ping: async () => {
        await db.execute(sql`select 1`);
      },
      close: async () => {
        try {
          await client.close();
        } finally {
          release();
        }
      },
    };
  } catch (e) {
    release();
    throw e;
  }
}
