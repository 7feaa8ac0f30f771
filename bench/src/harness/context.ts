import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Client } from 'pg';
import { publishTestKey } from '@tessera/auth/testing';
import { freePort } from '@tessera/platform/testing';

import type { BenchGuard } from '../app/bench-app.config';
import { type ManagedProcess, ProcessRegistry } from './processes';
import { type BenchKey, createBenchKey } from './tokens';

export interface BenchOptions {
  /** Seconds of each measured window (one side, one round). */
  durationSeconds: number;
  /** Rounds per comparison; sides alternate A B, B A, ... so drift hits both alike. */
  rounds: number;
  warmupSeconds: number;
  /** HTTP connections (the anchors used wrk with 50). */
  connections: number;
  /** Logouts timed in scenario 6. */
  logouts: number;
  /** Servers on one core, the load generator on the other (Linux, taskset). */
  pin: boolean;
  /** Set: every server runs under --cpu-prof and writes its profile into this directory. */
  profileDir?: string;
  /**
   * PostgreSQL server for the apps' databases (one fresh database per app, dropped at the end),
   * as in production; unset or unreachable: embedded PGlite, whose queries run on the app's own
   * core (`npm start`'s zero-set-up default).
   */
  databaseUrl?: string;
}

export interface BenchService {
  process: ManagedProcess;
  url: string;
  namespace: string;
}

export interface Cluster {
  auth: ManagedProcess;
  orders: ManagedProcess;
  profile: ManagedProcess;
  namespace: string;
}

/** auth's password hashing, set explicitly so scenario 5's baseline uses exactly the same (OWASP argon2id). */
export const ARGON2_PARAMETERS = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

/** Thrown by a scenario that cannot run here (e.g. no Redis); the table says why. */
export class SkipScenario extends Error {}

/**
 * What scenarios share: one NATS namespace per run (and one per service under it), one test
 * signing key, and services started on first use and stopped, by pid, at the end.
 */
export class BenchContext {
  readonly runId = randomBytes(4).toString('hex');
  readonly namespace = `bench${this.runId}`;
  readonly natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  readonly redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  /** The `iss` of tokens for the bench service (no auth app involved there). */
  readonly issuer = 'http://issuer.bench';
  readonly registry: ProcessRegistry;
  /** Figures one scenario leaves for another (e.g. the raw verify cost, to size scenario 2's token supply). */
  readonly measured: Record<string, number> = {};
  private keyPromise?: Promise<BenchKey>;
  private readonly services = new Map<BenchGuard, Promise<BenchService>>();
  private clusterPromise?: Promise<Cluster>;
  private readonly cleanups: (() => Promise<void>)[] = [];
  /** Where the apps' data lives, once the cluster has started. */
  database?: 'PostgreSQL' | 'PGlite';

  constructor(
    readonly root: string,
    readonly options: BenchOptions,
  ) {
    this.registry = new ProcessRegistry(options.pin, options.profileDir);
  }

  /** Whether a NATS server answers at `natsUrl` (every service needs one; only scenario 3 does not). */
  async natsAnswers(): Promise<boolean> {
    try {
      const nc = await connect({ servers: this.natsUrl, name: 'bench-probe', timeout: 2000, maxReconnectAttempts: 0 });
      await nc.close();
      return true;
    } catch {
      return false;
    }
  }

  key(): Promise<BenchKey> {
    this.keyPromise ??= createBenchKey();
    return this.keyPromise;
  }

  dist(app: string): string {
    return path.join(this.root, `dist/${app}/apps/${app}/src/main.js`);
  }

  /** The bench service with the given guard, started on first use (one at a time, so start-up is timed alone). */
  service(guard: BenchGuard): Promise<BenchService> {
    let started = this.services.get(guard);
    if (!started) {
      const previous = Promise.all([...this.services.values()].map((s) => s.catch(() => undefined)));
      started = previous.then(() => this.startService(guard));
      this.services.set(guard, started);
    }
    return started;
  }

  private async startService(guard: BenchGuard): Promise<BenchService> {
    const namespace = `${this.namespace}_${guard}`;
    if (guard === 'tessera') {
      await publishTestKey(this.natsUrl, namespace, await this.key());
    }
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const process = this.registry.start(
      `bench service (${guard})`,
      path.join(this.root, 'dist/bench/bench/src/app/main.js'),
      {
        ...this.baseEnv(namespace),
        PORT: String(port),
        AUTH_ISSUER: this.issuer,
        // Nothing listens there: keys come through NATS KV only.
        AUTH_JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json',
        BENCH_GUARD: guard,
        BENCH_REDIS_URL: this.redisUrl,
        BENCH_SESSION_PREFIX: `tessera-bench:${this.runId}:`,
      },
      url,
    );
    await process.waitReady();
    return { process, url, namespace };
  }

  /** auth, orders and profile as `npm start` runs them, started one after the other and timed. */
  cluster(): Promise<Cluster> {
    this.clusterPromise ??= this.startCluster();
    return this.clusterPromise;
  }

  private async startCluster(): Promise<Cluster> {
    const namespace = `${this.namespace}_c`;
    const ports = { auth: await freePort(), orders: await freePort(), profile: await freePort() };
    const issuer = `http://127.0.0.1:${ports.auth}`;
    const secrets = { orders: randomBytes(32).toString('base64url'), profile: randomBytes(32).toString('base64url') };
    const common = {
      ...this.baseEnv(namespace),
      AUTH_ISSUER: issuer,
      AUTH_JWKS_URL: `${issuer}/.well-known/jwks.json`,
      AUTH_TOKEN_URL: `${issuer}/oauth/token`,
    };
    const env = {
      auth: {
        ...common,
        AUTH_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        SERVICE_CLIENT_SECRET_ORDERS: secrets.orders,
        SERVICE_CLIENT_SECRET_PROFILE: secrets.profile,
        ADMIN_EMAIL: 'admin@bench.test',
        ADMIN_PASSWORD: randomBytes(18).toString('base64url'),
        PASSWORD_HASH_MEMORY_KIB: String(ARGON2_PARAMETERS.memoryCost),
        PASSWORD_HASH_ITERATIONS: String(ARGON2_PARAMETERS.timeCost),
        PASSWORD_HASH_PARALLELISM: String(ARGON2_PARAMETERS.parallelism),
      },
      orders: { ...common, SERVICE_CLIENT_SECRET: secrets.orders },
      profile: { ...common, SERVICE_CLIENT_SECRET: secrets.profile },
    };
    const started: Partial<Cluster> = { namespace };
    const postgres = this.options.databaseUrl && (await reachable(this.options.databaseUrl));
    this.database = postgres ? 'PostgreSQL' : 'PGlite';
    for (const app of ['auth', 'orders', 'profile'] as const) {
      const managed = this.registry.start(
        app,
        this.dist(app),
        {
          ...env[app],
          PORT: String(ports[app]),
          ...(postgres ? await this.createDatabase(postgres, app) : this.createDataDir(app)),
        },
        `http://127.0.0.1:${ports[app]}`,
      );
      await managed.waitReady();
      started[app] = managed;
    }
    return started as Cluster;
  }

  /** A fresh database on the PostgreSQL server, dropped (with any session left) at the end. */
  private async createDatabase(baseUrl: string, app: string): Promise<Record<string, string>> {
    const name = `tessera_bench_${this.runId}_${app}`;
    await withClient(baseUrl, (c) => c.query(`CREATE DATABASE ${name}`));
    this.cleanups.push(async () => {
      await withClient(baseUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    });
    const url = new URL(baseUrl);
    url.pathname = `/${name}`;
    return { [`${app.toUpperCase()}_DATABASE_URL`]: url.toString() };
  }

  /** A real on-disk PGlite, as `npm start` uses, in a directory of its own. */
  private createDataDir(app: string): Record<string, string> {
    const dir = mkdtempSync(path.join(tmpdir(), `tessera-bench-${app}-`));
    this.cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    return { [`${app.toUpperCase()}_DATA_DIR`]: dir };
  }

  private baseEnv(namespace: string): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'development',
      NO_COLOR: '1',
      HOST: '127.0.0.1',
      NATS_URL: this.natsUrl,
      NATS_NAMESPACE: namespace,
    };
  }

  /** Stops what this run started (by pid), then removes its NATS streams and buckets and temp dirs. */
  async close(): Promise<void> {
    await this.registry.stopAll();
    if (this.services.size === 0 && !this.clusterPromise) {
      await this.runCleanups();
      return;
    }
    await this.removeNatsState().catch((e: unknown) =>
      process.stderr.write(`[bench] could not remove NATS state of ${this.namespace}: ${String(e)}\n`),
    );
    await this.runCleanups();
  }

  private async runCleanups(): Promise<void> {
    for (const cleanup of this.cleanups.splice(0).reverse()) {
      await cleanup().catch((e: unknown) => process.stderr.write(`[bench] cleanup failed: ${String(e)}\n`));
    }
  }

  private async removeNatsState(): Promise<void> {
    const nc = await connect({ servers: this.natsUrl, name: 'bench-cleanup' });
    try {
      const jsm = await jetstreamManager(nc);
      const ours: string[] = [];
      for await (const name of jsm.streams.names()) {
        // Streams `<ns>_...` and KV buckets `KV_<ns>_...`, for this run's namespaces only.
        if (name.startsWith(`${this.namespace}_`) || name.startsWith(`KV_${this.namespace}_`)) {
          ours.push(name);
        }
      }
      for (const name of ours) {
        await jsm.streams.delete(name);
      }
    } finally {
      await nc.close();
    }
  }
}

async function withClient<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/** The URL when a PostgreSQL server answers there, else undefined. */
async function reachable(url: string): Promise<string | undefined> {
  return withClient(url, (c) => c.query('SELECT 1')).then(
    () => url,
    () => undefined,
  );
}
