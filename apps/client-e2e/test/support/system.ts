import { randomBytes } from 'node:crypto';
import path from 'node:path';

import { ConsoleLogger, type LoggerService } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  deleteTestNamespace,
  freePort,
  type TestDatabaseTarget,
  testNamespace,
  testNatsUrl,
} from '@tessera/platform/testing';

/**
 * auth, orders and profile booted in this process from what `nx build` wrote to dist/ (an e2e
 * project may not import an app's source; see eslint.config.mjs), each on a free loopback port
 * with a fresh database and this file's own NATS namespace.
 */
const root = path.resolve(__dirname, '../../../..');
const dist = (app: string, file: string) => path.join(root, 'dist', app, file);

type Env = Record<string, string | undefined>;
type ConfigLoader = (env: Env) => unknown;
type AppFactory = (config: unknown, overrides?: { logger?: LoggerService | false }) => Promise<NestFastifyApplication>;

async function load<T>(file: string): Promise<T> {
  return (await import(file)) as T;
}

export class ClientSystem {
  readonly namespace = testNamespace();
  readonly admin = { email: 'admin@client.test', password: randomBytes(18).toString('base64url') };
  private readonly clientSecrets = {
    orders: randomBytes(32).toString('base64url'),
    profile: randomBytes(32).toString('base64url'),
  };
  urls = { authUrl: '', ordersUrl: '', profileUrl: '' };
  private nc?: NatsConnection;
  private readonly cleanups: (() => Promise<unknown>)[] = [];

  constructor(
    private readonly target: TestDatabaseTarget,
    private readonly authEnv: Env = {},
  ) {}

  async start(): Promise<this> {
    const common: Env = {
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      NATS_URL: testNatsUrl(),
      NATS_NAMESPACE: this.namespace,
      AUTH_ISSUER: 'http://auth.client.test',
    };
    this.nc = await connect({ servers: testNatsUrl() });
    const authPort = await freePort();
    this.urls.authUrl = `http://127.0.0.1:${authPort}`;
    const results = await Promise.allSettled([
      this.startApp('auth', {
        ...common,
        PORT: String(authPort),
        ADMIN_EMAIL: this.admin.email,
        ADMIN_PASSWORD: this.admin.password,
        SERVICE_CLIENT_SECRET_ORDERS: this.clientSecrets.orders,
        SERVICE_CLIENT_SECRET_PROFILE: this.clientSecrets.profile,
        ...this.authEnv,
      }),
      ...(['orders', 'profile'] as const).map((name) =>
        this.startApp(name, {
          ...common,
          PORT: '0',
          AUTH_JWKS_URL: `${this.urls.authUrl}/.well-known/jwks.json`,
          AUTH_TOKEN_URL: `${this.urls.authUrl}/oauth/token`,
          SERVICE_CLIENT_SECRET: this.clientSecrets[name],
        }),
      ),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      throw failed.reason;
    }
    return this;
  }

  private async startApp(name: 'auth' | 'orders' | 'profile', env: Env): Promise<void> {
    const db = await this.target.create();
    this.cleanups.push(() => db.drop());
    const prefix = name.toUpperCase();
    const capital = name[0].toUpperCase() + name.slice(1);
    const apps = await load<Record<string, unknown>>(dist(name, `apps/${name}/src/app.js`));
    const configs = await load<Record<string, unknown>>(dist(name, `apps/${name}/src/config/${name}.config.js`));
    const create = apps[`create${capital}App`] as AppFactory;
    const loadConfig = configs[`load${capital}Config`] as ConfigLoader;
    const config = loadConfig({ ...env, [`${prefix}_DATA_DIR`]: db.dataDir, [`${prefix}_DATABASE_URL`]: db.url });
    const app = await create(config, { logger: new ConsoleLogger(name, { logLevels: ['error'] }) });
    this.cleanups.push(() => app.close());
    if (name !== 'auth') {
      this.urls[`${name}Url`] = await app.getUrl();
    }
  }

  async close(): Promise<void> {
    for (const cleanup of this.cleanups.reverse()) {
      await cleanup().catch(() => undefined);
    }
    if (this.nc) {
      await deleteTestNamespace(this.nc, this.namespace);
      await this.nc.close();
    }
  }
}

export async function startSystem(target: TestDatabaseTarget, authEnv: Env = {}): Promise<ClientSystem> {
  const system = new ClientSystem(target, authEnv);
  try {
    return await system.start();
  } catch (e) {
    await system.close();
    throw e;
  }
}

/** The real fetch, counting the requests that pass through it by `METHOD path`. */
export function countingFetch(): { fetch: typeof fetch; count(method: string, path: string): number; reset(): void } {
  const seen: string[] = [];
  return {
    fetch: (input, init) => {
      const url = new URL(input instanceof Request ? input.url : input);
      seen.push(`${init?.method ?? 'GET'} ${url.pathname}`);
      return fetch(input, init);
    },
    count: (method, route) => seen.filter((s) => s === `${method} ${route}`).length,
    reset: () => void seen.splice(0),
  };
}
