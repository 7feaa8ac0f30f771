import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect as connectTcp, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { Buckets, namespacedBucket, Streams } from '@tessera/contracts';
import { Client } from 'pg';

import { freshPgliteDirectory } from './database/pglite-template.testing';
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

/** Polls `check` every 50 ms until it holds; fails with the time waited once `ms` have passed. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${ms} ms`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface TestDatabaseTarget {
  /** 'pglite' or 'postgres', for test titles. */
  name: 'pglite' | 'postgres';
  /**
   * Creates a fresh, empty database; returns its URL (undefined: PGlite, in the directory
   * `dataDir` of its own) and a cleanup that removes it.
   */
  create(): Promise<TestDatabase>;
}

export interface TestDatabase {
  url?: string;
  dataDir: string;
  drop(): Promise<void>;
}

const pglite: TestDatabaseTarget = {
  name: 'pglite',
  create: async () => {
    const dataDir = await freshPgliteDirectory();
    return { url: undefined, dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  },
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
  const readiness = new ReadinessService();
  const nats = new NatsConnectionService({ servers: testNatsUrl(), name: 'test-publisher', namespace }, readiness);
  await nats.connect();
  try {
    await new EventBus(nats, readiness).publish(subject, event, id);
  } finally {
    await nats.onApplicationShutdown();
  }
}

/**
 * Deletes what a test run made in its own NATS namespace (the key and revocation buckets, the
 * events stream), so runs sharing a server leave nothing behind. Best effort: absent is fine.
 */
export async function deleteTestNamespace(nc: NatsConnection, namespace: string): Promise<void> {
  for (const bucket of [Buckets.Keys, Buckets.Revocations]) {
    const kv = await new Kvm(nc).open(namespacedBucket(namespace, bucket)).catch(() => undefined);
    await kv?.destroy().catch(() => undefined);
  }
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(namespacedBucket(namespace, Streams.Events)).catch(() => undefined);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

// Ports are handed out below the ephemeral range (Linux 32768-60999, macOS and Windows from
// 49152): an outgoing connection or a listen(0) elsewhere can then never take a port between
// this pick and the moment the app binds it, seconds later. Each jest worker has a slice of
// its own, walked from a random start, so parallel suites do not pick the same one either.
const PORT_BASE = 20_000;
const PORT_SLICE = 1_000;
const PORT_SLICES = 12;
let nextPort: number | undefined;

/** A loopback port nothing listens on right now (for apps and servers a test starts). */
export async function freePort(): Promise<number> {
  const worker = Number(process.env.JEST_WORKER_ID ?? '1');
  const base = PORT_BASE + ((Number.isInteger(worker) && worker > 0 ? worker - 1 : 0) % PORT_SLICES) * PORT_SLICE;
  nextPort ??= randomInt(PORT_SLICE);
  for (let tries = 0; tries < PORT_SLICE; tries++) {
    const port = base + (nextPort++ % PORT_SLICE);
    if (await canListen(port)) {
      return port;
    }
  }
  throw new Error(`no free loopback port in ${base}-${base + PORT_SLICE - 1}`);
}

export interface PrivateNatsServerOptions {
  /**
   * A nats-server configuration file (e.g. docker/nats/nats.conf) to run with; its listen
   * address, port and JetStream store directory are this helper's. It must enable JetStream.
   */
  configFile?: string;
  /** Extra environment for the server, such as the passwords a configuration file reads ($VAR). */
  env?: Record<string, string>;
}

/**
 * A private nats-server with JetStream on a free loopback port, for tests that take NATS away
 * or need a configuration of their own (it never touches the shared server). `stop()` kills it
 * by pid; `start()` brings it back on the same port and store, as a restarted server would.
 */
export async function startPrivateNatsServer(options: PrivateNatsServerOptions = {}): Promise<{
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the process with SIGSTOP (its sockets stay open, nothing answers); `resume()` goes on. */
  freeze(): void;
  resume(): void;
}> {
  const binary =
    ['/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server'].find((p) => existsSync(p)) ??
    'nats-server';
  const store = mkdtempSync(path.join(tmpdir(), 'tessera-nats-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const listening = async () => {
    for (let i = 0; i < 100; i++) {
      const open = await new Promise<boolean>((resolve) => {
        const socket = connectTcp(port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (open) {
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`nats-server did not listen on ${port} (is nats-server installed?)`);
  };
  const handle = {
    url: `nats://127.0.0.1:${port}`,
    start: async () => {
      if (child && child.exitCode === null) {
        return;
      }
      const config = options.configFile ? ['-c', options.configFile] : ['-js'];
      const server = spawn(binary, [...config, '-a', '127.0.0.1', '-p', String(port), '-sd', store], {
        env: { ...process.env, ...options.env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child = server;
      // The last words of the server, for the error when it exits before listening (a bad config).
      let said = '';
      server.stderr?.on('data', (b: Buffer) => {
        said = (said + b.toString()).slice(-4000);
      });
      const exited = new Promise<never>((_, reject) =>
        server.once('exit', (code) => reject(new Error(`nats-server exited with ${code}:\n${said}`))),
      );
      // Stopped on purpose later: nobody awaits this any more by then.
      exited.catch(() => undefined);
      await Promise.race([listening(), exited]);
    },
    stop: async () => {
      const running = child;
      child = undefined;
      if (running && running.exitCode === null) {
        const exited = new Promise((r) => running.once('exit', r));
        running.kill('SIGKILL');
        await exited;
      }
    },
    freeze: () => {
      if (child && child.exitCode === null) {
        child.kill('SIGSTOP');
      }
    },
    resume: () => {
      if (child && child.exitCode === null) {
        child.kill('SIGCONT');
      }
    },
  };
  // The store is this server's alone; remove it when the test process ends.
  process.once('exit', () => rmSync(store, { recursive: true, force: true }));
  await handle.start();
  return handle;
}

export interface BrowserFound {
  /** The executable to launch; undefined when there is none (then `reason` says why). */
  path: string | undefined;
  source?: string;
  reason?: string;
}

export interface FindBrowserOptions {
  env?: Record<string, string | undefined>;
  platform?: string;
  executable?: (file: string) => boolean;
  playwright?: () => string | undefined;
}

interface BrowserFinder {
  findBrowser(options?: FindBrowserOptions): BrowserFound;
  howToGetBrowser(platform?: string): string;
}

// scripts/lib/browser.cjs is also what `npm test` (scripts/test.mjs) checks before jest starts,
// so both always agree on where the browser is; it lives outside every Nx project, hence by path.
const browserFinder = (): BrowserFinder =>
  createRequire(__filename)(path.resolve(__dirname, '../../../scripts/lib/browser.cjs')) as BrowserFinder;

/**
 * The Chromium or Google Chrome on this machine for the browser tests, never a download:
 * CHROME_PATH, then Debian's/Ubuntu's chromium, Google Chrome, the macOS app bundles, the same
 * names on PATH, then a browser Playwright installed earlier (scripts/lib/browser.cjs).
 */
export function findBrowser(options?: FindBrowserOptions): BrowserFound {
  return browserFinder().findBrowser(options);
}

/** The one command per OS that installs a browser, for the error when findBrowser finds none. */
export function howToGetBrowser(platform?: string): string {
  return browserFinder().howToGetBrowser(platform);
}

export { freshPgliteDirectory, testTempRoot } from './database/pglite-template.testing';
export * from './docs/docs.testing';
export * from './e2e.testing';
export * from './metrics/metrics.testing';
