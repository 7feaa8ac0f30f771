import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { TestDatabaseTarget } from '@tessera/platform/testing';
import { freePort, testNamespace, testNatsUrl } from '@tessera/platform/testing';

const root = path.resolve(__dirname, '../../..');
export type AppName = 'auth' | 'orders' | 'profile';

export interface RunningApp {
  name: string;
  url: string;
  process: ChildProcess;
  output: string[];
}

export interface ClusterOptions {
  /** The NATS server the apps use; the test run's (testNatsUrl()) by default. */
  natsUrl?: string;
  /**
   * false: no NATS_NAMESPACE, so the apps use the production names (only on a private server,
   * where no other run can see them); by default a namespace of this cluster's own.
   */
  namespaced?: boolean;
  /** Start auth first and orders and profile once it is ready, as docker-compose.yml does. */
  authFirst?: boolean;
}

/**
 * The three apps as separate processes, exactly as `npm start` runs them from dist/, on free
 * loopback ports, with their own databases and a NATS namespace no other run can see.
 */
export class Cluster {
  readonly namespace: string | undefined;
  /** The first admin auth creates at start. */
  readonly admin = { email: 'admin@e2e.test', password: randomBytes(18).toString('base64url') };
  readonly apps = new Map<string, RunningApp>();
  private readonly cleanups: (() => Promise<void>)[] = [];
  private readonly outputs: string[][] = [];

  /** Each app's environment, kept so a replica can be started with the same settings. */
  private readonly env = new Map<AppName, Record<string, string>>();

  constructor(
    private readonly database: TestDatabaseTarget,
    /** Extra variables per app (e.g. a different SERVICE_CLIENTS for auth). */
    private readonly extraEnv: Partial<Record<AppName, Record<string, string>>> = {},
    private readonly options: ClusterOptions = {},
  ) {
    this.namespace = options.namespaced === false ? undefined : testNamespace();
  }

  url(name: AppName | `${AppName}#${number}`): string {
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
      NATS_URL: this.options.natsUrl ?? testNatsUrl(),
      ...(this.namespace ? { NATS_NAMESPACE: this.namespace } : {}),
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
        ADMIN_EMAIL: this.admin.email,
        ADMIN_PASSWORD: this.admin.password,
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
    for (const name of ['auth', 'orders', 'profile'] as const) {
      this.env.set(name, { ...env[name], ...this.extraEnv[name] });
    }
    const waves = this.options.authFirst ? [['auth'], ['orders', 'profile']] : [['auth', 'orders', 'profile']];
    for (const wave of waves as AppName[][]) {
      await Promise.all(wave.map((name) => this.spawn(name, this.env.get(name)!, ports[name])));
    }
  }

  /**
   * Starts another instance of an app with the same settings (same database, same queue
   * group), as `<app>#<n>`. Needs PostgreSQL: an embedded PGlite belongs to one process.
   */
  async startReplica(app: AppName, n: number): Promise<string> {
    const name = `${app}#${n}` as const;
    await this.spawn(name, { ...this.env.get(app)!, PORT: String(await freePort()) });
    return name;
  }

  private async spawn(name: string, env: Record<string, string>, port?: number): Promise<void> {
    port ??= Number(env.PORT);
    const appName = name.split('#')[0] as AppName;
    const child = spawn(process.execPath, [path.join(root, `dist/${appName}/apps/${appName}/src/main.js`)], {
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
    const deadline = Date.now() + 90_000;
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
    throw new Error(`${name} was not ready within 90 s:\n${output.join('')}`);
  }

  /** Stops one app by its pid and waits until it is gone; `kill` is SIGKILL, no goodbye. */
  async stop(name: string, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const app = this.apps.get(name);
    if (!app) {
      return;
    }
    this.apps.delete(name);
    if (app.process.exitCode !== null) {
      return;
    }
    const exited = new Promise((r) => app.process.once('exit', r));
    app.process.kill(signal);
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
