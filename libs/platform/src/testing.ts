import { randomBytes } from 'node:crypto';

import { Client } from 'pg';

import { EventBus } from './events/event-bus.service';
import { ReadinessService } from './health/readiness.service';
import { NatsConnectionService } from './nats/nats-connection.service';

/**
 * Test helpers shared by every project's end-to-end specs. Never exported from the main entry.
 * `npm test` (scripts/test.mjs) provides NATS_URL and a per-run NATS_NAMESPACE; each helper
 * below narrows that further so suites running in parallel never see each other.
 */
export function testNatsUrl(): string {
  return process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
}

/** A namespace unique to one suite: `<run namespace>_<random>`. */
export function testNamespace(): string {
  const run = process.env.NATS_NAMESPACE ?? 't';
  return `${run}_${randomBytes(4).toString('hex')}`;
}

export interface TestDatabaseTarget {
  /** 'pglite' or 'postgres', for test titles. */
  name: 'pglite' | 'postgres';
  /** Creates a fresh, empty database; returns its URL (undefined: PGlite in memory) and a cleanup. */
  create(): Promise<{ url?: string; dataDir: string; drop(): Promise<void> }>;
}

const pglite: TestDatabaseTarget = {
  name: 'pglite',
  create: async () => ({ url: undefined, dataDir: 'memory://', drop: async () => undefined }),
};

function postgres(baseUrl: string): TestDatabaseTarget {
  return {
    name: 'postgres',
    create: async () => {
      const name = `tessera_${randomBytes(6).toString('hex')}`;
      const admin = new Client({ connectionString: baseUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const url = new URL(baseUrl);
      url.pathname = `/${name}`;
      return {
        url: url.toString(),
        dataDir: 'memory://',
        drop: async () => {
          const c = new Client({ connectionString: baseUrl });
          await c.connect();
          await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await c.end();
        },
      };
    },
  };
}

/** PGlite always; PostgreSQL too when TEST_DATABASE_URL is set (CI always sets it). */
export function testDatabaseTargets(): TestDatabaseTarget[] {
  const url = process.env.TEST_DATABASE_URL;
  return url ? [pglite, postgres(url)] : [pglite];
}

/** Publishes an event through the real EventBus, as its owning service would. */
export async function publishTestEvent(namespace: string, subject: string, event: object, id: string): Promise<void> {
  const nats = new NatsConnectionService(
    { servers: testNatsUrl(), name: 'test-publisher', namespace },
    new ReadinessService(),
  );
  await nats.connect();
  try {
    await new EventBus(nats).publish(subject, event, id);
  } finally {
    await nats.onApplicationShutdown();
  }
}
