import type { INestApplicationContext } from '@nestjs/common';
import { ConsoleLogger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { connect } from '@nats-io/transport-node';
import { AuthModule, TokenVerifier } from '@tessera/auth';
import { Buckets, namespacedBucket, namespacedSubject, Streams } from '@tessera/contracts';
import { DATABASE, PlatformModule } from '@tessera/platform';
import type { TestDatabaseTarget } from '@tessera/platform/testing';
import { deleteTestNamespace, testNamespace, testNatsUrl } from '@tessera/platform/testing';

import { createAuthApp } from '../src/app';
import { loadAuthConfig } from '../src/config/auth.config';
import type { AuthDatabase } from '../src/database/auth-database';

export const TEST_ISSUER = 'http://auth.test';

/** How soon after its commit a revocation is in the bucket with NATS healthy (milliseconds in practice). */
export const REVOCATION_PUBLISH_MS = 2000;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A fetch for third-party clients (oauth4webapi, openid-client) that know auth by its issuer
 * name: every request to TEST_ISSUER's URLs goes to the app at `base` instead.
 */
export function fetchToApp(base: string): typeof fetch {
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const target = `${base}${url.pathname}${url.search}`;
    return fetch(input instanceof Request ? new Request(target, input) : target, init);
  };
}

export interface AuthAppOptions {
  /** Extra environment for this spec (ADMIN_EMAIL, SERVICE_CLIENTS, …), over the defaults. */
  env?: Record<string, string>;
  /**
   * Boot a second service that verifies tokens as orders or profile does: its own NATS
   * connection, keys and revocations watched from the namespaced buckets.
   */
  probe?: {
    audience: string;
    /** Also give it the auth app's JWKS URL (as orders does), not only the key bucket. */
    jwksUrl?: boolean;
    /** HS256 mode: the shared secret (AUTH_HS256_SECRET), instead of the key set. */
    sharedSecret?: string;
    /** Exchanged tokens of these actors are accepted (AUTH_ALLOWED_ACTORS, as orders has). */
    allowedActors?: string[];
  };
  /** A NATS server of the spec's own (startPrivateNatsServer) for the app, the probe and `nc`. */
  natsUrl?: string;
  /** Collect the app's JSON log lines here (Nest's and Fastify's alike) instead of printing its errors. */
  logLines?: string[];
}

export interface CallOptions {
  /** A string is sent as it is; anything else as JSON. */
  body?: unknown;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  cookie?: string;
  /** `null`: no content-type header; default `application/json` when there is a body. */
  contentType?: string | null;
  userAgent?: string;
  /** Any other headers, set last. */
  headers?: Record<string, string>;
}

export interface AuthResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body; `{}` for a 204 or a non-JSON body. */
  body: Record<string, unknown>;
}

export interface AuthAppFixture {
  namespace: string;
  app: NestFastifyApplication;
  /** The app's URL, e.g. `http://127.0.0.1:41234`. */
  base: string;
  db: AuthDatabase;
  /** A NATS connection of the spec's own, outside the app. */
  nc: NatsConnection;
  call(method: string, path: string, options?: CallOptions): Promise<AuthResponse>;
  /**
   * The entry under `key` in the namespaced revocations bucket, as any service would read it,
   * waiting up to `withinMs` (REVOCATION_PUBLISH_MS by default) for it: the outbox relay puts a
   * revocation right after its commit, not necessarily before the HTTP answer.
   */
  revocationEntry(key: string, withinMs?: number): Promise<Record<string, unknown> | undefined>;
  /**
   * Events stored so far in this run's events stream under `subject` (un-namespaced; wildcards
   * allowed), oldest first, waiting up to ~10 s for `expected` of them: the outbox publishes
   * right after the commit, not necessarily before the HTTP answer.
   */
  streamedEvents(subject: string, expected: number): Promise<Record<string, unknown>[]>;
  /** What the probe's verifier makes of a token once its watch has caught up (polls up to 5 s). */
  probeVerdict(token: string, expected: 'accepted' | 'refused'): Promise<string>;
  /** Closes the probe, the app and NATS, deletes the namespaced buckets and stream, drops the database. */
  close(): Promise<void>;
}

async function bootProbe(
  namespace: string,
  probe: NonNullable<AuthAppOptions['probe']>,
  base: string,
  natsUrl: string,
): Promise<INestApplicationContext> {
  const jwksUrl = probe.jwksUrl ? `${base}/.well-known/jwks.json` : undefined;
  @Module({
    imports: [
      PlatformModule.forRoot({
        serviceName: 'probe',
        host: '127.0.0.1',
        port: 0,
        natsUrl,
        natsNamespace: namespace,
      }),
      AuthModule.forRoot({
        audience: probe.audience,
        issuer: TEST_ISSUER,
        ...(jwksUrl ? { jwksUrl } : {}),
        ...(probe.sharedSecret !== undefined ? { sharedSecret: probe.sharedSecret } : {}),
        ...(probe.allowedActors ? { allowedActors: probe.allowedActors } : {}),
      }),
    ],
  })
  class ProbeModule {}
  const context = await NestFactory.createApplicationContext(ProbeModule, { logger: false, abortOnError: false });
  return context.init();
}

/** The auth app on a fresh database from `target` and a fresh NATS namespace, listening on a free port. */
export async function startAuthApp(target: TestDatabaseTarget, options: AuthAppOptions = {}): Promise<AuthAppFixture> {
  const namespace = testNamespace();
  const natsUrl = options.natsUrl ?? testNatsUrl();
  const database = await target.create();
  let app: NestFastifyApplication | undefined;
  let nc: NatsConnection | undefined;
  let probe: INestApplicationContext | undefined;

  const close = async () => {
    await probe?.close();
    await app?.close();
    if (nc) {
      await deleteTestNamespace(nc, namespace);
      await nc.close();
    }
    await database.drop();
  };

  try {
    const config = loadAuthConfig({
      NODE_ENV: 'test',
      PORT: '0',
      NATS_URL: natsUrl,
      NATS_NAMESPACE: namespace,
      AUTH_DATA_DIR: database.dataDir,
      AUTH_DATABASE_URL: database.url,
      AUTH_ISSUER: TEST_ISSUER,
      ...options.env,
    });
    const logLines = options.logLines;
    app = await createAuthApp(
      config,
      logLines
        ? { logDestination: { write: (line: string) => logLines.push(line) } }
        : { logger: new ConsoleLogger('auth', { logLevels: ['error'] }) },
    );
    const base = await app.getUrl();
    nc = await connect({ servers: natsUrl });
    if (options.probe) {
      probe = await bootProbe(namespace, options.probe, base, natsUrl);
    }
    const natsConnection = nc;
    const probeContext = probe;

    const call = async (method: string, path: string, opts: CallOptions = {}): Promise<AuthResponse> => {
      const headers: Record<string, string> = {};
      const contentType = opts.contentType === undefined ? 'application/json' : opts.contentType;
      if (contentType !== null && opts.body !== undefined) {
        headers['content-type'] = contentType;
      }
      if (opts.token) {
        headers.authorization = `Bearer ${opts.token}`;
      }
      if (opts.cookie) {
        headers.cookie = opts.cookie;
      }
      if (opts.userAgent) {
        headers['user-agent'] = opts.userAgent;
      }
      Object.assign(headers, opts.headers);
      const body =
        opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      const res = await fetch(`${base}${path}`, { method, headers, body });
      const text = await res.text();
      let parsed: Record<string, unknown> = {};
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // 204s and non-JSON bodies.
      }
      return { status: res.status, headers: res.headers, text, body: parsed };
    };

    const revocationEntry = async (key: string, withinMs = REVOCATION_PUBLISH_MS) => {
      const kv = await new Kvm(natsConnection).open(namespacedBucket(namespace, Buckets.Revocations));
      const deadline = Date.now() + withinMs;
      for (;;) {
        const entry = await kv.get(key);
        if (entry?.operation === 'PUT' || Date.now() > deadline) {
          return entry?.operation === 'PUT' ? entry.json<Record<string, unknown>>() : undefined;
        }
        await sleep(20);
      }
    };

    const probeVerdict = async (token: string, expected: 'accepted' | 'refused') => {
      if (!probeContext) {
        throw new Error('startAuthApp: probeVerdict needs the probe option');
      }
      const verifier = probeContext.get(TokenVerifier);
      let verdict = '';
      for (let attempt = 0; attempt < 50 && verdict !== expected; attempt++) {
        verdict = await verifier.verify(token).then(
          () => 'accepted',
          () => 'refused',
        );
        if (verdict !== expected) {
          await sleep(100);
        }
      }
      return verdict;
    };

    const streamedEvents = async (subject: string, expected: number) => {
      const consumer = await jetstream(natsConnection).consumers.get(namespacedBucket(namespace, Streams.Events), {
        filter_subjects: namespacedSubject(namespace, subject),
      });
      const events: Record<string, unknown>[] = [];
      const deadline = Date.now() + 10_000;
      while (events.length < expected && Date.now() < deadline) {
        const message = await consumer.next({ expires: 1000 });
        if (message) {
          events.push(message.json<Record<string, unknown>>());
        }
      }
      await consumer.delete().catch(() => undefined);
      return events;
    };

    return {
      namespace,
      app,
      base,
      db: app.get<AuthDatabase>(DATABASE),
      nc: natsConnection,
      call,
      revocationEntry,
      probeVerdict,
      streamedEvents,
      close,
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}
