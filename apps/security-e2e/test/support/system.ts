import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';

import { ConsoleLogger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { OrdersSummaryReply, ProfileReply, Subjects } from '@tessera/contracts';
import { NatsRpcClient, TesseraError } from '@tessera/platform';
import { type Env, freePort, loadBuilt, type TestDatabaseTarget, TestSystem } from '@tessera/platform/testing';
import { sql } from 'drizzle-orm';

/**
 * The three apps of `npm start`, booted in this process from what `nx build` wrote to dist/
 * by the shared starter (libs/platform/src/e2e.testing.ts), each on a free loopback port with
 * a fresh database and this system's own NATS namespace.
 */
export const ISSUER = 'http://auth.security.test';
/** Every password the suite registers, unless a test says otherwise. */
export const PASSWORD = 'correct horse battery staple';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed JSON body; `{}` when there is none. */
  body: Record<string, unknown>;
}

export interface CallOptions {
  /** A string or Buffer is sent as it is; anything else as JSON. */
  body?: unknown;
  token?: string;
  /** `null`: no content-type; default JSON when there is a body. */
  contentType?: string | null;
  /** Header values; an array is sent as that many header lines. */
  headers?: Record<string, string | string[]>;
  /** The loopback address the request leaves from (127.0.0.0/8 is all local on Linux). */
  from?: string;
}

export interface TokenPair {
  access: string;
  refresh: string;
  body: Record<string, unknown>;
}

export interface User {
  id: string;
  email: string;
  password: string;
}

export interface SystemOptions {
  /** Start orders and profile too (token cases); auth alone otherwise. */
  services?: boolean;
  authEnv?: Env;
  /** Receives every line auth logs, at debug level (default: Nest's errors on the console only). */
  authLogs?: (line: string) => void;
}

export interface RpcOutcome {
  status: number;
  code?: string;
  message?: string;
}

let nextAddress = 2;
/** A loopback address no other request of this process has left from (so per-address limits start afresh). */
export function freshAddress(): string {
  const n = nextAddress++;
  return `127.${20 + Math.floor(n / 65_000)}.${Math.floor(n / 250) % 250}.${(n % 250) + 2}`;
}

export class SecuritySystem {
  private readonly system: TestSystem;
  readonly namespace: string;
  readonly admin: { email: string; password: string };
  readonly clientSecrets: { orders: string; profile: string };
  auth!: NestFastifyApplication;
  orders?: NestFastifyApplication;
  profile?: NestFastifyApplication;
  urls = { auth: '', orders: '', profile: '' };
  nc!: NatsConnection;
  rpc!: NatsRpcClient;

  constructor(
    target: TestDatabaseTarget,
    private readonly options: SystemOptions = {},
  ) {
    this.system = new TestSystem(target, { adminEmail: 'admin@security.test' });
    this.namespace = this.system.namespace!;
    this.admin = this.system.admin;
    this.clientSecrets = this.system.clientSecrets;
  }

  async start(): Promise<this> {
    this.nc = await connect({ servers: this.system.natsUrl });
    this.system.onClose(() => this.nc.close());
    this.rpc = new NatsRpcClient({ servers: this.system.natsUrl, name: 'security-e2e', namespace: this.namespace });
    this.system.onClose(() => this.rpc.onApplicationShutdown());
    // auth's port is chosen first, so that the three apps (each with its own PGlite to boot) start together.
    const authPort = await freePort();
    this.urls.auth = `http://127.0.0.1:${authPort}`;
    const env = this.system.environment({
      ports: { auth: authPort, orders: 0, profile: 0 },
      issuer: ISSUER,
      authUrl: this.urls.auth,
    });
    const boots: Promise<void>[] = [this.startAuth(env.auth)];
    if (this.options.services) {
      boots.push(this.startVerifying('orders', env.orders), this.startVerifying('profile', env.profile));
    }
    const results = await Promise.allSettled(boots);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      throw failed.reason;
    }
    return this;
  }

  private async startAuth(env: Env): Promise<void> {
    const capture = this.options.authLogs;
    this.auth = await this.system.startInProcess(
      'auth',
      {
        ...env,
        ...(await this.system.database('auth')),
        ...(capture ? { LOG_LEVEL: 'debug' } : {}),
        ...this.options.authEnv,
      },
      capture
        ? { logDestination: { write: (line: string) => capture(line) } }
        : { logger: new ConsoleLogger('auth', { logLevels: ['error'] }) },
    );
  }

  private async startVerifying(name: 'orders' | 'profile', env: Env): Promise<void> {
    const app = await this.system.startInProcess(name, { ...env, ...(await this.system.database(name)) });
    this[name] = app;
    this.urls[name] = await app.getUrl();
  }

  /** Closes the apps and connections, drops the databases and deletes the namespace. */
  close(): Promise<void> {
    return this.system.close();
  }

  /** One HTTP request, through node:http so that repeated headers and the source address are the test's. */
  call(app: keyof SecuritySystem['urls'], method: string, route: string, options: CallOptions = {}): Promise<Answer> {
    const url = new URL(route, this.urls[app]);
    const payload =
      options.body === undefined
        ? undefined
        : Buffer.isBuffer(options.body)
          ? options.body
          : Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
    const headers: Record<string, string | string[]> = {};
    const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
    if (payload) {
      headers['content-length'] = String(payload.length);
      if (contentType !== null) {
        headers['content-type'] = contentType;
      }
    }
    if (options.token !== undefined) {
      headers.authorization = `Bearer ${options.token}`;
    }
    Object.assign(headers, options.headers);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname + url.search,
          method,
          headers,
          ...(options.from ? { localAddress: options.from } : {}),
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            let body: Record<string, unknown> = {};
            try {
              const parsed: unknown = JSON.parse(text);
              body = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
            } catch {
              // 204s and non-JSON bodies.
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
          });
        },
      );
      // A server may answer (413) and close before reading a large body.
      req.on('error', (e: NodeJS.ErrnoException) =>
        e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e),
      );
      req.end(payload);
    });
  }

  async register(email = `u-${randomUUID()}@security.test`, password = PASSWORD): Promise<User> {
    const res = await this.call('auth', 'POST', '/auth/register', { body: { email, password }, from: freshAddress() });
    if (res.status !== 201) {
      throw new Error(`register: ${res.status} ${res.text}`);
    }
    return { id: res.body.id as string, email, password };
  }

  async login(user: Pick<User, 'email' | 'password'>): Promise<TokenPair> {
    const res = await this.call('auth', 'POST', '/auth/login', {
      body: { email: user.email, password: user.password },
      from: freshAddress(),
    });
    if (res.status !== 200) {
      throw new Error(`login: ${res.status} ${res.text}`);
    }
    return pairOf(res);
  }

  /** A new user, logged in. */
  async session(): Promise<User & TokenPair> {
    const user = await this.register();
    return { ...user, ...(await this.login(user)) };
  }

  refresh(refreshToken: string): Promise<Answer> {
    return this.call('auth', 'POST', '/auth/refresh', { body: { refresh_token: refreshToken }, from: freshAddress() });
  }

  async serviceToken(client: 'orders' | 'profile'): Promise<string> {
    const res = await this.call('auth', 'POST', '/oauth/token', {
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: client,
        client_secret: this.clientSecrets[client],
      }).toString(),
      contentType: 'application/x-www-form-urlencoded',
    });
    if (res.status !== 200) {
      throw new Error(`client_credentials: ${res.status} ${res.text}`);
    }
    return res.body.access_token as string;
  }

  /**
   * A request over NATS with `authorization` as the whole header value (undefined: none):
   * `profile.get.v1` answered by profile, or `orders.summary.v1` answered by orders.
   */
  rpcCall(subject: 'profile' | 'orders', userId: string, authorization: string | undefined): Promise<RpcOutcome> {
    const [name, reply]: [string, new () => object] =
      subject === 'profile' ? [Subjects.ProfileGet, ProfileReply] : [Subjects.OrdersSummary, OrdersSummaryReply];
    return this.rpc
      .request(name, { userId }, reply, { ...(authorization === undefined ? {} : { authorization }), timeoutMs: 5000 })
      .then(
        () => ({ status: 200 }),
        (e: unknown) =>
          e instanceof TesseraError ? { status: e.status, code: e.code, message: e.message } : { status: 0 },
      );
  }

  /** A SQL query on auth's own database (set-up and "nothing half-written" checks only). */
  async authSql(query: string): Promise<Record<string, unknown>[]> {
    const { DATABASE } = await loadBuilt<{ DATABASE: symbol | string }>('auth', 'libs/platform/src/index.js');
    const db = this.auth.get<{ execute(q: unknown): Promise<{ rows: Record<string, unknown>[] }> }>(DATABASE);
    return (await db.execute(sql.raw(query))).rows;
  }

  /** How many times a service's key set was refreshed because of an unknown kid. */
  async keyRefreshCount(app: 'orders' | 'profile'): Promise<number> {
    const { KeyStore } = await loadBuilt<{ KeyStore: new () => { refreshCount: number } }>(
      app,
      'libs/auth/src/keys/key-store.js',
    );
    return this[app]!.get(KeyStore).refreshCount;
  }
}

export function pairOf(res: Answer): TokenPair {
  if (res.status !== 200 || typeof res.body.access_token !== 'string') {
    throw new Error(`expected a token pair: ${res.status} ${res.text}`);
  }
  return { access: res.body.access_token, refresh: res.body.refresh_token as string, body: res.body };
}

export async function startSystem(target: TestDatabaseTarget, options: SystemOptions = {}): Promise<SecuritySystem> {
  const system = new SecuritySystem(target, options);
  try {
    return await system.start();
  } catch (e) {
    await system.close();
    throw e;
  }
}
