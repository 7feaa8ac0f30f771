import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { TestDatabaseTarget } from '@tessera/platform/testing';
import { testNamespace, testNatsUrl } from '@tessera/platform/testing';

const root = path.resolve(__dirname, '../../..');
export type AppName = 'auth' | 'orders' | 'profile';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface RunningApp {
  name: AppName;
  url: string;
  process: ChildProcess;
  output: string[];
}

/**
 * The three apps as separate processes, exactly as `npm start` runs them from dist/, on free
 * loopback ports, with their own databases and a NATS namespace no other run can see.
 */
export class Cluster {
  readonly namespace = testNamespace();
  readonly apps = new Map<AppName, RunningApp>();
  private readonly cleanups: (() => Promise<void>)[] = [];
  private readonly outputs: string[][] = [];

  constructor(private readonly database: TestDatabaseTarget) {}

  url(name: AppName): string {
    const app = this.apps.get(name);
    if (!app) {
      throw new Error(`${name} is not running`);
    }
    return app.url;
  }

  async start(): Promise<void> {
    const ports = { auth: await freePort(), orders: await freePort(), profile: await freePort() };
    const issuer = `http://127.0.0.1:${ports.auth}`;
    const common = {
      PATH: process.env.PATH ?? '',
      // Development, not test: full logs, so the suite can check that no secret reaches them.
      NODE_ENV: 'development',
      NO_COLOR: '1',
      HOST: '127.0.0.1',
      NATS_URL: testNatsUrl(),
      NATS_NAMESPACE: this.namespace,
      AUTH_ISSUER: issuer,
      AUTH_JWKS_URL: `${issuer}/.well-known/jwks.json`,
    };
    // Each service's own OAuth client secret, known to auth and to the service.
    const secrets = { orders: randomBytes(32).toString('base64url'), profile: randomBytes(32).toString('base64url') };
    const tokenUrl = `${issuer}/oauth/token`;
    const env: Record<AppName, Record<string, string>> = {
      auth: {
        ...common,
        PORT: String(ports.auth),
        AUTH_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        SERVICE_CLIENT_SECRET_ORDERS: secrets.orders,
        SERVICE_CLIENT_SECRET_PROFILE: secrets.profile,
      },
      orders: {
        ...common,
        PORT: String(ports.orders),
        AUTH_TOKEN_URL: tokenUrl,
        SERVICE_CLIENT_SECRET: secrets.orders,
      },
      profile: {
        ...common,
        PORT: String(ports.profile),
        AUTH_TOKEN_URL: tokenUrl,
        SERVICE_CLIENT_SECRET: secrets.profile,
      },
    };
    for (const name of ['auth', 'orders', 'profile'] as const) {
      const db = await this.database.create();
      this.cleanups.push(db.drop);
      const prefix = name.toUpperCase();
      if (db.url) {
        env[name][`${prefix}_DATABASE_URL`] = db.url;
      } else {
        // A real on-disk PGlite, as `npm start` uses, in a directory of its own.
        const dir = mkdtempSync(path.join(tmpdir(), `tessera-${name}-`));
        this.cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
        env[name][`${prefix}_DATA_DIR`] = dir;
      }
    }
    await Promise.all((['auth', 'orders', 'profile'] as const).map((name) => this.spawn(name, env[name], ports[name])));
  }

  private async spawn(name: AppName, env: Record<string, string>, port: number): Promise<void> {
    const child = spawn(process.execPath, [path.join(root, `dist/${name}/apps/${name}/src/main.js`)], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    this.outputs.push(output);
    child.stdout?.on('data', (b: Buffer) => output.push(b.toString()));
    child.stderr?.on('data', (b: Buffer) => output.push(b.toString()));
    const app: RunningApp = { name, url: `http://127.0.0.1:${port}`, process: child, output };
    this.apps.set(name, app);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new Error(`${name} exited with ${child.exitCode}:\n${output.join('')}`);
      }
      const ready = await fetch(`${app.url}/health/ready`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) {
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${name} was not ready within 30 s:\n${output.join('')}`);
  }

  /** Stops one app by its pid and waits until it is gone. */
  async stop(name: AppName): Promise<void> {
    const app = this.apps.get(name);
    if (!app) {
      return;
    }
    this.apps.delete(name);
    if (app.process.exitCode !== null) {
      return;
    }
    const exited = new Promise((r) => app.process.once('exit', r));
    app.process.kill('SIGTERM');
    const timer = setTimeout(() => app.process.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.apps.keys()].map((name) => this.stop(name)));
    for (const cleanup of this.cleanups.reverse()) {
      await cleanup().catch(() => undefined);
    }
  }

  /** Everything the apps wrote to stdout/stderr (for asserting nothing secret was logged). */
  logs(): string {
    return this.outputs.map((o) => o.join('')).join('\n');
  }
}
