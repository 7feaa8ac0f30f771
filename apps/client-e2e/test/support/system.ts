import { ConsoleLogger } from '@nestjs/common';
import { APP_NAMES, type Env, freePort, type TestDatabaseTarget, TestSystem } from '@tessera/platform/testing';

/**
 * auth, orders and profile booted in this process from what `nx build` wrote to dist/ by the
 * shared starter (libs/platform/src/e2e.testing.ts), each on a free loopback port with a fresh
 * database and this system's own NATS namespace.
 */
export class ClientSystem {
  private readonly system: TestSystem;
  readonly namespace: string | undefined;
  readonly admin: { email: string; password: string };
  urls = { authUrl: '', ordersUrl: '', profileUrl: '' };

  constructor(
    target: TestDatabaseTarget,
    private readonly authEnv: Env = {},
  ) {
    this.system = new TestSystem(target, { adminEmail: 'admin@client.test' });
    this.namespace = this.system.namespace;
    this.admin = this.system.admin;
  }

  async start(): Promise<this> {
    const authPort = await freePort();
    this.urls.authUrl = `http://127.0.0.1:${authPort}`;
    const env = this.system.environment({
      ports: { auth: authPort, orders: 0, profile: 0 },
      issuer: 'http://auth.client.test',
      authUrl: this.urls.authUrl,
    });
    const results = await Promise.allSettled(
      APP_NAMES.map(async (name) => {
        const app = await this.system.startInProcess(
          name,
          { ...env[name], ...(await this.system.database(name)), ...(name === 'auth' ? this.authEnv : {}) },
          { logger: new ConsoleLogger(name, { logLevels: ['error'] }) },
        );
        if (name !== 'auth') {
          this.urls[`${name}Url`] = await app.getUrl();
        }
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      throw failed.reason;
    }
    return this;
  }

  /** Closes the apps, drops the databases and deletes the namespace. */
  close(): Promise<void> {
    return this.system.close();
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
