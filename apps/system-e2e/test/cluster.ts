import type { AppName, AppProcess, Env, TestDatabaseTarget } from '@tessera/platform/testing';
import { APP_NAMES, freePort, TestSystem } from '@tessera/platform/testing';

export type { AppName };
export type RunningApp = AppProcess;

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
 * loopback ports, with their own databases and a NATS namespace no other run can see
 * (the shared starter: libs/platform/src/e2e.testing.ts).
 */
export class Cluster {
  private readonly system: TestSystem;
  readonly namespace: string | undefined;
  /** The first admin auth creates at start. */
  readonly admin: { email: string; password: string };
  readonly apps = new Map<string, RunningApp>();
  private readonly outputs: string[][] = [];

  /** Each app's environment, kept so a replica can be started with the same settings. */
  private readonly env = new Map<AppName, Env>();

  constructor(
    database: TestDatabaseTarget,
    /** Extra variables per app (e.g. a different SERVICE_CLIENTS for auth). */
    private readonly extraEnv: Partial<Record<AppName, Record<string, string>>> = {},
    private readonly options: ClusterOptions = {},
  ) {
    this.system = new TestSystem(database, {
      adminEmail: 'admin@e2e.test',
      natsUrl: options.natsUrl,
      namespaced: options.namespaced,
    });
    this.namespace = this.system.namespace;
    this.admin = this.system.admin;
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
    const env = this.system.environment({
      ports,
      issuer,
      authUrl: issuer,
      keyEncryptionKey: true,
      // Development, not test: full logs, so the suite can check that no secret reaches them.
      common: { PATH: process.env.PATH ?? '', NODE_ENV: 'development', NO_COLOR: '1' },
    });
    for (const name of APP_NAMES) {
      this.env.set(name, { ...env[name], ...(await this.system.database(name)), ...this.extraEnv[name] });
    }
    const waves: AppName[][] = this.options.authFirst ? [['auth'], ['orders', 'profile']] : [[...APP_NAMES]];
    for (const wave of waves) {
      await Promise.all(wave.map((name) => this.spawn(name, this.env.get(name)!)));
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

  private async spawn(name: string, env: Env): Promise<void> {
    const app = await this.system.startProcess(name, env, `http://127.0.0.1:${env.PORT}`);
    this.outputs.push(app.output);
    this.apps.set(name, app);
  }

  /** Stops one app by its pid and waits until it is gone; `kill` is SIGKILL, no goodbye. */
  async stop(name: string, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const app = this.apps.get(name);
    this.apps.delete(name);
    await app?.stop(signal);
  }

  async stopAll(): Promise<void> {
    this.apps.clear();
    await this.system.close();
  }

  /** Everything the apps wrote to stdout/stderr (for asserting nothing secret was logged). */
  logs(): string {
    return this.outputs.map((o) => o.join('')).join('\n');
  }
}
