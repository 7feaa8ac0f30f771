import type { TestDatabaseTarget } from '@tessera/platform/testing';
import { APP_NAMES, freePort, startAppProcess, TestSystem } from '@tessera/platform/testing';

/**
 * auth, orders, profile and the web console's server as separate processes from dist/, as
 * `npm start` runs them, on free loopback ports, with fresh databases and a NATS namespace of
 * their own (the shared starter: libs/platform/src/e2e.testing.ts). The browser reaches
 * everything as http://localhost:<port>: the console and the APIs are then the same site
 * (SameSite cookies) and different origins (CORS), as in `npm start`.
 */
export class ConsoleStack {
  private readonly system: TestSystem;
  readonly namespace: string | undefined;
  readonly urls = { console: '', auth: '', orders: '', profile: '' };

  constructor(
    database: TestDatabaseTarget,
    private readonly authEnv: Record<string, string> = {},
  ) {
    this.system = new TestSystem(database, { adminEmail: 'admin@web-e2e.test' });
    this.namespace = this.system.namespace;
  }

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
    const path = process.env.PATH ?? '';
    const env = this.system.environment({
      ports,
      issuer: this.urls.auth,
      authUrl: `http://127.0.0.1:${ports.auth}`,
      keyEncryptionKey: true,
      common: { PATH: path, NO_COLOR: '1', CORS_ORIGINS: this.urls.console },
    });
    const databases = await Promise.all(APP_NAMES.map((name) => this.system.database(name)));
    await Promise.all(
      APP_NAMES.map((name, i) =>
        this.system.startProcess(
          name,
          {
            ...env[name],
            ...databases[i],
            // The console signs in through auth's OpenID Provider as tessera-web.
            ...(name === 'auth' ? { PUBLIC_WEB_URL: this.urls.console, ...this.authEnv } : {}),
          },
          `http://127.0.0.1:${ports[name]}`,
        ),
      ),
    );
    this.system.track(
      await startAppProcess({
        name: 'web',
        args: ['scripts/lib/web-server.mjs'],
        env: {
          PATH: path,
          WEB_HOST: '127.0.0.1',
          WEB_PORT: String(ports.web),
          WEB_AUTH_URL: this.urls.auth,
          WEB_ORDERS_URL: this.urls.orders,
          WEB_PROFILE_URL: this.urls.profile,
        },
        url: `http://127.0.0.1:${ports.web}`,
      }),
    );
  }

  /** Stops every process by its pid (SIGKILL after 10 s), drops the databases and the namespace. */
  stop(): Promise<void> {
    return this.system.close();
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
