import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

import { connect } from '@nats-io/transport-node';
import {
  deleteTestNamespace,
  freePort,
  type TestDatabaseTarget,
  testNamespace,
  testNatsUrl,
} from '@tessera/platform/testing';

const root = path.resolve(__dirname, '../../../..');
type AppName = 'auth' | 'orders' | 'profile';

interface Child {
  name: string;
  process: ChildProcess;
  output: string[];
}

/**
 * auth, orders, profile and the web console's server as separate processes from dist/, as
 * `npm start` runs them, on free loopback ports, with fresh databases and a NATS namespace of
 * their own. The browser reaches everything as http://localhost:<port>: the console and the
 * APIs are then the same site (SameSite cookies) and different origins (CORS), as in
 * `npm start`. An e2e project may not import another's helpers (eslint.config.mjs), hence this
 * small starter of its own beside apps/system-e2e's Cluster.
 */
export class ConsoleStack {
  readonly namespace = testNamespace();
  readonly urls = { console: '', auth: '', orders: '', profile: '' };
  private readonly children: Child[] = [];
  private readonly cleanups: (() => Promise<void>)[] = [];

  constructor(
    private readonly database: TestDatabaseTarget,
    private readonly authEnv: Record<string, string> = {},
  ) {}

  async start(): Promise<void> {
    const ports = {
      web: await freePort(),
      auth: await freePort(),
      orders: await freePort(),
      profile: await freePort(),
    };
    for (const name of ['console', 'auth', 'orders', 'profile'] as const) {
      this.urls[name] = `http://localhost:${ports[name === 'console' ? 'web' : name]}`;
    }
    const jwks = `http://127.0.0.1:${ports.auth}`;
    const common = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      NO_COLOR: '1',
      HOST: '127.0.0.1',
      NATS_URL: testNatsUrl(),
      NATS_NAMESPACE: this.namespace,
      AUTH_ISSUER: this.urls.auth,
      AUTH_JWKS_URL: `${jwks}/.well-known/jwks.json`,
      CORS_ORIGINS: this.urls.console,
    };
    const secrets = { orders: randomBytes(32).toString('base64url'), profile: randomBytes(32).toString('base64url') };
    const env: Record<AppName, Record<string, string>> = {
      auth: {
        ...common,
        PORT: String(ports.auth),
        AUTH_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        SERVICE_CLIENT_SECRET_ORDERS: secrets.orders,
        SERVICE_CLIENT_SECRET_PROFILE: secrets.profile,
        ADMIN_EMAIL: 'admin@web-e2e.test',
        ADMIN_PASSWORD: randomBytes(18).toString('base64url'),
        ...this.authEnv,
      },
      orders: {
        ...common,
        PORT: String(ports.orders),
        AUTH_TOKEN_URL: `${jwks}/oauth/token`,
        SERVICE_CLIENT_SECRET: secrets.orders,
      },
      profile: {
        ...common,
        PORT: String(ports.profile),
        AUTH_TOKEN_URL: `${jwks}/oauth/token`,
        SERVICE_CLIENT_SECRET: secrets.profile,
      },
    };
    for (const name of ['auth', 'orders', 'profile'] as const) {
      const db = await this.database.create();
      this.cleanups.push(db.drop);
      const prefix = name.toUpperCase();
      env[name][db.url ? `${prefix}_DATABASE_URL` : `${prefix}_DATA_DIR`] = db.url ?? db.dataDir;
    }
    await Promise.all(
      (['auth', 'orders', 'profile'] as const).map((name) =>
        this.spawn(name, [`dist/${name}/apps/${name}/src/main.js`], env[name], `http://127.0.0.1:${ports[name]}`),
      ),
    );
    await this.spawn(
      'web',
      ['scripts/lib/web-server.mjs'],
      {
        PATH: common.PATH,
        WEB_HOST: '127.0.0.1',
        WEB_PORT: String(ports.web),
        WEB_AUTH_URL: this.urls.auth,
        WEB_ORDERS_URL: this.urls.orders,
        WEB_PROFILE_URL: this.urls.profile,
      },
      `http://127.0.0.1:${ports.web}`,
    );
  }

  private async spawn(name: string, args: string[], env: Record<string, string>, base: string): Promise<void> {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    child.stdout?.on('data', (b: Buffer) => output.push(b.toString()));
    child.stderr?.on('data', (b: Buffer) => output.push(b.toString()));
    this.children.push({ name, process: child, output });
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new Error(`${name} exited with ${child.exitCode}:\n${output.join('')}`);
      }
      const ready = await fetch(`${base}/health/ready`).then(
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

  /** Stops every process by its pid (SIGKILL after 10 s), drops the databases and the namespace. */
  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(async ({ process: child }) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          return;
        }
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }),
    );
    for (const cleanup of this.cleanups.reverse()) {
      await cleanup().catch(() => undefined);
    }
    const nc = await connect({ servers: testNatsUrl() }).catch(() => undefined);
    if (nc) {
      await deleteTestNamespace(nc, this.namespace);
      await nc.close();
    }
  }
}

export async function startConsoleStack(
  database: TestDatabaseTarget,
  authEnv: Record<string, string> = {},
): Promise<ConsoleStack> {
  const stack = new ConsoleStack(database, authEnv);
  try {
    await stack.start();
  } catch (e) {
    await stack.stop();
    throw e;
  }
  return stack;
}
