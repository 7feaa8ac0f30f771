import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

import { NAMESPACE_PATTERN } from '@tessera/contracts';

import { parseCorsOrigins } from './cors-origins';
import { parseTrustProxy } from './trust-proxy';
import { EnvBoolean } from './env-boolean';
import { LOG_LEVELS, type LogLevelName } from '../logging/logger';

import type { NatsCredentials } from '../nats/nats-connect-options';

export const NODE_ENVS = ['development', 'test', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

const NATS_USER_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const NATS_PASSWORD_MIN_LENGTH = 32;
const NATS_PASSWORD_PATTERN = new RegExp(`^[A-Za-z][A-Za-z0-9_-]{${NATS_PASSWORD_MIN_LENGTH - 1},511}$`);
/** The longest HTTP timeout accepted (10 minutes), and the shortest one that is not 0 (off). */
const MAX_HTTP_TIMEOUT_MS = 600_000;
const MIN_HTTP_TIMEOUT_MS = 100;
const HTTP_TIMEOUTS = ['HTTP_HEADERS_TIMEOUT_MS', 'HTTP_REQUEST_TIMEOUT_MS', 'HTTP_KEEP_ALIVE_TIMEOUT_MS'] as const;
/** The HTTP timeouts when none is configured: the defaults of the three settings below. */
export const DEFAULT_HTTP_TIMEOUTS: Readonly<HttpTimeouts> = {
  headersMs: 10_000,
  requestMs: 30_000,
  keepAliveMs: 5_000,
};
const NATS_INBOX_PREFIX_PATTERN = /^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,3}$/;

/** Settings every Tessera service reads. Each app's config class extends this one. */
export class ServiceConfig {
  @IsIn(NODE_ENVS)
  NODE_ENV: NodeEnv = 'development';

  @IsString()
  HOST = '127.0.0.1';

  @IsInt()
  @Min(0)
  @Max(65535)
  PORT!: number;

  @Matches(/^(nats|tls|ws|wss):\/\/[^\s,]+(,(nats|tls|ws|wss):\/\/[^\s,]+)*$/, {
    message: 'NATS_URL must be one or more comma-separated nats:// URLs',
  })
  NATS_URL = 'nats://127.0.0.1:4222';

  @IsOptional()
  @Matches(NAMESPACE_PATTERN, {
    message: 'NATS_NAMESPACE may hold only letters, digits, "_" and "-" (at most 32)',
  })
  NATS_NAMESPACE?: string;

  /** How long a NATS request waits for its reply before the caller gets a 504. */
  @IsInt()
  @Min(100)
  @Max(60_000)
  NATS_REQUEST_TIMEOUT_MS: number = 2000;

  /**
   * JetStream replicas of the KV buckets and the events stream this service creates (applied
   * when one is created, never to an existing one). 1 on a single server; 3 on a three-node
   * cluster, so losing one node loses no key, revocation or event.
   */
  @IsInt()
  @Min(1)
  @Max(5)
  NATS_REPLICAS: number = 1;

  /**
   * How long a client may take to send a request's headers (Node's `headersTimeout`); then the
   * answer is 408 and the connection is closed. 0 turns it off (refused in production).
   */
  @IsInt()
  @Min(0)
  @Max(MAX_HTTP_TIMEOUT_MS)
  HTTP_HEADERS_TIMEOUT_MS: number = DEFAULT_HTTP_TIMEOUTS.headersMs;

  /**
   * How long a client may take to send a whole request, headers and body (`requestTimeout`),
   * and how long a connection may stay silent while it is open (`connectionTimeout`): a body
   * dribbled byte by byte is answered 408 and its socket freed. 0 turns it off (refused in
   * production).
   */
  @IsInt()
  @Min(0)
  @Max(MAX_HTTP_TIMEOUT_MS)
  HTTP_REQUEST_TIMEOUT_MS: number = DEFAULT_HTTP_TIMEOUTS.requestMs;

  /** How long an idle keep-alive connection is kept open for the client's next request. */
  @IsInt()
  @Min(0)
  @Max(MAX_HTTP_TIMEOUT_MS)
  HTTP_KEEP_ALIVE_TIMEOUT_MS: number = DEFAULT_HTTP_TIMEOUTS.keepAliveMs;

  /** Serve the OpenAPI document and its UI at /docs (public: it describes routes, holds no data). */
  @EnvBoolean()
  @IsBoolean({ message: 'DOCS_ENABLED must be true or false' })
  DOCS_ENABLED: boolean = true;

  /**
   * Serve the Prometheus metrics at /metrics (public like /health: counts and timings, no
   * tokens or user data; keep it on the internal network). false answers 404 there.
   */
  @EnvBoolean()
  @IsBoolean({ message: 'METRICS_ENABLED must be true or false' })
  METRICS_ENABLED: boolean = true;

  /** The lowest level logged. Unset: info, or warn under NODE_ENV=test. */
  @IsOptional()
  @IsIn(LOG_LEVELS)
  LOG_LEVEL?: LogLevelName;

  /**
   * This service's own NATS user (docker/nats/nats.conf declares one per service, each allowed
   * only its own subjects). Both or neither; production requires them.
   */
  @IsOptional()
  @Matches(NATS_USER_PATTERN, {
    message: 'must be a letter followed by up to 63 letters, digits, "_" or "-"',
  })
  NATS_USER?: string;

  /**
   * nats.conf reads each password from the server's environment ($VAR) and parses the value
   * as config syntax, which misreads e.g. "1e3..." (a number) or "a,b" (a list): hence a
   * letter first, then only letters, digits, "_" and "-".
   */
  @IsOptional()
  @Matches(NATS_PASSWORD_PATTERN, {
    message: `must be ${NATS_PASSWORD_MIN_LENGTH} to 512 characters: a letter, then letters, digits, "_" or "-" (e.g. p$(openssl rand -hex 32))`,
  })
  NATS_PASSWORD?: string;

  /**
   * Subject prefix of this service's reply inboxes. nats.conf lets each user subscribe only to
   * its own (`_INBOX_<service>.>`), so no service can read replies meant for another.
   */
  @Matches(NATS_INBOX_PREFIX_PATTERN, {
    message: 'must be up to 4 dot-separated tokens of letters, digits, "_" and "-" (no wildcards)',
  })
  NATS_INBOX_PREFIX: string = '_INBOX';

  /**
   * Browser origins allowed to call this service with credentials (a web console on another
   * origin), comma-separated and exact, e.g. `https://console.example.com`. Unset: no CORS
   * headers at all, so browsers keep every other origin's scripts out. Checked in
   * serviceConfigProblems (see parseCorsOrigins).
   */
  @IsOptional()
  @IsString()
  CORS_ORIGINS?: string;

  /**
   * Proxies whose X-Forwarded-For gives the client address (`request.ip`): addresses, CIDR
   * ranges or loopback/linklocal/uniquelocal, comma-separated. Unset: none, the TCP peer is the
   * client. Checked in serviceConfigProblems (see parseTrustProxy).
   */
  @IsOptional()
  @IsString()
  TRUST_PROXY?: string;

  get production(): boolean {
    return this.NODE_ENV === 'production';
  }

  /** This service's NATS user and password, when it has them. */
  get natsCredentials(): NatsCredentials | undefined {
    return this.NATS_USER !== undefined && this.NATS_PASSWORD !== undefined
      ? { user: this.NATS_USER, pass: this.NATS_PASSWORD }
      : undefined;
  }

  /** The exact origins of CORS_ORIGINS (empty: CORS off). */
  get corsOrigins(): string[] {
    return parseCorsOrigins(this.CORS_ORIGINS, this.production).origins;
  }
}

/**
 * Rules on the settings above that span several of them; loadConfig runs them for every
 * service after the app's own. Messages name variables, never values.
 */
export function serviceConfigProblems(config: ServiceConfig): string[] {
  const problems: string[] = [];
  if ((config.NATS_USER === undefined) !== (config.NATS_PASSWORD === undefined)) {
    problems.push('NATS_USER and NATS_PASSWORD must be set together, or neither');
  }
  // A URL is printed in connection errors and logs; a password inside it would be too.
  if (config.NATS_URL.split(',').some((url) => url.includes('@'))) {
    problems.push('NATS_URL must not carry credentials: set NATS_USER and NATS_PASSWORD instead');
  }
  // Production never runs on development defaults (docs/operations.md, "Required settings"): an
  // anonymous NATS connection would let anyone on the network publish events and write the key
  // bucket.
  if (config.production && config.NATS_USER === undefined && config.NATS_PASSWORD === undefined) {
    problems.push(
      'NATS_USER and NATS_PASSWORD are required in production (NATS without credentials is a development default; docker/nats/nats.conf has a user per service)',
    );
  }
  for (const name of HTTP_TIMEOUTS) {
    const value = config[name];
    if (value !== 0 && value < MIN_HTTP_TIMEOUT_MS) {
      problems.push(`${name} must be 0 (off) or at least ${MIN_HTTP_TIMEOUT_MS} ms`);
    } else if (value === 0 && config.production) {
      // Without it a few hundred clients that send slowly hold every socket (SECURITY.md).
      problems.push(`${name} must not be 0 in production`);
    }
  }
  if (config.HTTP_REQUEST_TIMEOUT_MS !== 0 && config.HTTP_HEADERS_TIMEOUT_MS > config.HTTP_REQUEST_TIMEOUT_MS) {
    problems.push('HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS');
  }
  problems.push(...parseCorsOrigins(config.CORS_ORIGINS, config.production).problems);
  problems.push(...parseTrustProxy(config.TRUST_PROXY).problems);
  return problems;
}

/** The part of a service's settings the platform itself needs (bootstrap, NATS, database). */
export interface PlatformOptions {
  serviceName: string;
  host: string;
  port: number;
  natsUrl: string;
  natsNamespace?: string;
  /** Unset: an anonymous connection (development against a NATS without authorization). */
  natsCredentials?: NatsCredentials;
  /** Subject prefix of reply inboxes; the NATS user must be allowed to subscribe to `<prefix>.>`. */
  natsInboxPrefix?: string;
  natsRequestTimeoutMs?: number;
  /** JetStream replicas of the buckets and streams the service creates; 1 unless set. */
  natsReplicas?: number;
  /** The lowest level logged (LOG_LEVEL); info unless set. Tests keep warnings and errors. */
  logLevel?: LogLevelName;
  /** Serve the OpenAPI document and UI at /docs (DOCS_ENABLED); on unless false. */
  docsEnabled?: boolean;
  /** Serve the Prometheus metrics at /metrics (METRICS_ENABLED); on unless false. */
  metricsEnabled?: boolean;
  /** Exact browser origins answered with CORS headers and credentials (CORS_ORIGINS); none: CORS off. */
  corsOrigins?: string[];
  /** Proxies whose X-Forwarded-For sets request.ip (TRUST_PROXY); none: the TCP peer. */
  trustProxy?: string[];
  /** HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS and HTTP_KEEP_ALIVE_TIMEOUT_MS; their defaults unless set. */
  httpTimeouts?: HttpTimeouts;
}

/** How long a client may take over a request's headers, a whole request, and between two requests. */
export interface HttpTimeouts {
  headersMs: number;
  requestMs: number;
  keepAliveMs: number;
}

export function platformOptions(serviceName: string, config: ServiceConfig): PlatformOptions {
  return {
    serviceName,
    host: config.HOST,
    port: config.PORT,
    natsUrl: config.NATS_URL,
    natsNamespace: config.NATS_NAMESPACE,
    natsCredentials: config.natsCredentials,
    natsInboxPrefix: config.NATS_INBOX_PREFIX,
    natsRequestTimeoutMs: config.NATS_REQUEST_TIMEOUT_MS,
    natsReplicas: config.NATS_REPLICAS,
    logLevel: config.LOG_LEVEL ?? (config.NODE_ENV === 'test' ? 'warn' : 'info'),
    docsEnabled: config.DOCS_ENABLED,
    metricsEnabled: config.METRICS_ENABLED,
    corsOrigins: config.corsOrigins,
    trustProxy: parseTrustProxy(config.TRUST_PROXY).proxies,
    httpTimeouts: {
      headersMs: config.HTTP_HEADERS_TIMEOUT_MS,
      requestMs: config.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
  };
}
