import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

import type { LoggerService } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { connect } from '@nats-io/transport-node';

import { deleteTestNamespace, type TestDatabaseTarget, testNamespace, testNatsUrl } from './testing';

/**
 * The one starter of the end-to-end projects (apps/*-e2e): the three apps as `nx build` wrote
 * them to dist/ (what `npm start` runs), booted in this process or as processes of their own,
 * each with a fresh database and a NATS namespace no other suite can see. An e2e project may
 * not import an app's source nor another e2e project (eslint.config.mjs), and this library may
 * not import an app either: app code is loaded from dist/ by path, never imported.
 */
export const REPO_ROOT = path.resolve(__dirname, '../../..');

export type AppName = 'auth' | 'orders' | 'profile';
export const APP_NAMES: readonly AppName[] = ['auth', 'orders', 'profile'];
export type ServiceName = Exclude<AppName, 'auth'>;
export type Env = Record<string, string | undefined>;

/** A file of a built project: `dist/<project>/<file>`. */
export function builtFile(project: string, file: string): string {
  return path.join(REPO_ROOT, 'dist', project, file);
}

/** A module of a built project, loaded by path. */
export async function loadBuilt<T>(project: string, file: string): Promise<T> {
  return (await import(builtFile(project, file))) as T;
}

export interface AppOverrides {
  logger?: LoggerService | false;
  /** Where the app's log lines go instead of stdout (auth's structured logs, for leak checks). */
  logDestination?: { write(line: string): void };
}

export interface BuiltApp {
  /** `create<App>App`: builds and starts the app; resolves once it listens. */
  create(config: unknown, overrides?: AppOverrides): Promise<NestFastifyApplication>;
  /** `load<App>Config`: the app's validated configuration from an environment. */
  loadConfig(env: Env): unknown;
}

/** An app's factory and configuration loader from dist/ (apps/<app>/src/app.ts and config/). */
export async function loadBuiltApp(name: AppName): Promise<BuiltApp> {
  const capital = name[0].toUpperCase() + name.slice(1);
  const apps = await loadBuilt<Record<string, unknown>>(name, `apps/${name}/src/app.js`);
  const configs = await loadBuilt<Record<string, unknown>>(name, `apps/${name}/src/config/${name}.config.js`);
  return {
    create: apps[`create${capital}App`] as BuiltApp['create'],
    loadConfig: configs[`load${capital}Config`] as BuiltApp['loadConfig'],
  };
}

export interface AppProcess {
  /** `auth`, or `auth#2` for a replica. */
  readonly name: string;
  /** Where its /health/ready answered. */
  readonly url: string;
  readonly process: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  readonly output: string[];
  /** Stops it by its pid and waits until it is gone (SIGKILL after 10 s); idempotent. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

export interface AppProcessOptions {
  name: string;
  /** Node's arguments: the script (relative to the repository root) and its own. */
  args: string[];
  /** The whole environment of the process (nothing of this one leaks in). */
  env: Env;
  /** The base URL whose /health/ready must answer 200. */
  url: string;
  readyWithinMs?: number;
}

/** Starts a node process from the repository root and resolves once its /health/ready is 200. */
export async function startAppProcess(options: AppProcessOptions): Promise<AppProcess> {
  const child = spawn(process.execPath, options.args, {
    cwd: REPO_ROOT,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (b: Buffer) => output.push(b.toString()));
  child.stderr?.on('data', (b: Buffer) => output.push(b.toString()));
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
    }
    child.once('exit', () => resolve());
  });
  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const started: AppProcess = { name: options.name, url: options.url, process: child, output, stop };
  const readyWithin = options.readyWithinMs ?? 90_000;
  const deadline = Date.now() + readyWithin;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${options.name} exited with ${child.exitCode}:\n${output.join('')}`);
    }
    const ready = await fetch(`${options.url}/health/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) {
      return started;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop('SIGKILL');
  throw new Error(`${options.name} was not ready within ${readyWithin / 1000} s:\n${output.join('')}`);
}

export interface TestSystemOptions {
  /** The first admin auth creates at start. */
  adminEmail: string;
  /** The NATS server the apps use; the test run's (testNatsUrl()) by default. */
  natsUrl?: string;
  /**
   * false: no NATS_NAMESPACE, so the apps use the production names (only on a private server,
   * where no other run can see them); by default a namespace of this system's own.
   */
  namespaced?: boolean;
}

export interface SystemEnvironmentOptions {
  /** Each app's PORT; 0 lets it choose (then ask the app for its URL). */
  ports: Record<AppName, number>;
  /** AUTH_ISSUER: what auth writes into `iss` and every app checks. */
  issuer: string;
  /** Where orders and profile reach auth for its key set and its token endpoint. */
  authUrl: string;
  /** Given to every app, over the defaults (NODE_ENV, CORS_ORIGINS, NO_COLOR, PATH, ...). */
  common?: Env;
  /** Give auth an AUTH_KEY_ENCRYPTION_KEY; without it auth uses its development default. */
  keyEncryptionKey?: boolean;
}

/**
 * What every starter shares: the admin, the service clients' secrets, the databases, the
 * namespace and the environment each app reads, and one `close()` that stops and removes
 * everything it started, last started first.
 */
export class TestSystem {
  readonly namespace: string | undefined;
  readonly natsUrl: string;
  readonly admin: { email: string; password: string };
  /** Each service's own OAuth client secret, known to auth and to the service. */
  readonly clientSecrets: Record<ServiceName, string> = {
    orders: randomBytes(32).toString('base64url'),
    profile: randomBytes(32).toString('base64url'),
  };
  private readonly cleanups: (() => Promise<unknown>)[] = [];
  private readonly processes: AppProcess[] = [];

  constructor(
    private readonly target: TestDatabaseTarget,
    options: TestSystemOptions,
  ) {
    this.namespace = options.namespaced === false ? undefined : testNamespace();
    this.natsUrl = options.natsUrl ?? testNatsUrl();
    this.admin = { email: options.adminEmail, password: randomBytes(18).toString('base64url') };
  }

  /** Each app's environment, as `npm start` and docker-compose.yml give it. */
  environment(options: SystemEnvironmentOptions): Record<AppName, Env> {
    const common: Env = {
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      NATS_URL: this.natsUrl,
      ...(this.namespace ? { NATS_NAMESPACE: this.namespace } : {}),
      AUTH_ISSUER: options.issuer,
      ...options.common,
    };
    const service = (name: ServiceName): Env => ({
      ...common,
      PORT: String(options.ports[name]),
      AUTH_JWKS_URL: `${options.authUrl}/.well-known/jwks.json`,
      AUTH_TOKEN_URL: `${options.authUrl}/oauth/token`,
      SERVICE_CLIENT_SECRET: this.clientSecrets[name],
    });
    return {
      auth: {
        ...common,
        PORT: String(options.ports.auth),
        ...(options.keyEncryptionKey ? { AUTH_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64') } : {}),
        SERVICE_CLIENT_SECRET_ORDERS: this.clientSecrets.orders,
        SERVICE_CLIENT_SECRET_PROFILE: this.clientSecrets.profile,
        ADMIN_EMAIL: this.admin.email,
        ADMIN_PASSWORD: this.admin.password,
      },
      orders: service('orders'),
      profile: service('profile'),
    };
  }

  /**
   * A fresh database of the target for one app, dropped by close(): its variables,
   * `<APP>_DATABASE_URL` (PostgreSQL) or `<APP>_DATA_DIR` (a PGlite directory of its own).
   */
  async database(app: AppName): Promise<Record<string, string>> {
    const db = await this.target.create();
    this.onClose(() => db.drop());
    const prefix = app.toUpperCase();
    return db.url ? { [`${prefix}_DATABASE_URL`]: db.url } : { [`${prefix}_DATA_DIR`]: db.dataDir };
  }

  /** Boots an app from dist/ in this process; `env` must hold its database (see database()). */
  async startInProcess(app: AppName, env: Env, overrides?: AppOverrides): Promise<NestFastifyApplication> {
    const built = await loadBuiltApp(app);
    const started = await built.create(built.loadConfig(env), overrides);
    this.onClose(() => started.close());
    return started;
  }

  /**
   * Runs `dist/<app>/apps/<app>/src/main.js` as `npm start` does, as `name` (`auth`, or
   * `auth#2` for a replica), and resolves once it is ready at `url`.
   */
  async startProcess(name: string, env: Env, url: string): Promise<AppProcess> {
    const app = name.split('#')[0];
    return this.track(await startAppProcess({ name, args: [`dist/${app}/apps/${app}/src/main.js`], env, url }));
  }

  /** Stops `started` in close(), together with every other process. */
  track(started: AppProcess): AppProcess {
    this.processes.push(started);
    return started;
  }

  /** Runs `cleanup` in close(), before whatever was registered earlier. */
  onClose(cleanup: () => Promise<unknown>): void {
    this.cleanups.push(cleanup);
  }

  /**
   * Stops every process at once, then the in-process apps and the rest (last first), drops the
   * databases and deletes the NATS namespace.
   */
  async close(): Promise<void> {
    await Promise.all(this.processes.splice(0).map((p) => p.stop()));
    for (const cleanup of this.cleanups.splice(0).reverse()) {
      await cleanup().catch(() => undefined);
    }
    if (this.namespace) {
      const nc = await connect({ servers: this.natsUrl }).catch(() => undefined);
      if (nc) {
        await deleteTestNamespace(nc, this.namespace).catch(() => undefined);
        await nc.close();
      }
    }
  }
}
