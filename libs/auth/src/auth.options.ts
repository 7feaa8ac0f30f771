import {
  checkLifetimes,
  CLOCK_TOLERANCE_SECONDS,
  MAX_ACCEPTED_TOKEN_LIFETIME_SECONDS,
  REVOCATION_MAX_STALENESS,
} from '@tessera/contracts';

import type { NatsCredentials } from '@tessera/platform';

import type { ServiceClientOptions } from './client/service-token.provider';
import type { SigningAlgorithm } from './keys/public-jwk';

/** Options of AuthModule: what this service accepts and where its keys come from. */
export interface AuthModuleOptions {
  /** This service's name; a token is accepted only when its `aud` names it. */
  audience: string;
  /** The issuer every token must carry in `iss`. */
  issuer: string;
  /**
   * The issuer's JWKS over HTTP: the fallback when the NATS KV bucket has no key for a `kid`, and
   * the only key source without NATS. Fetched once at start and again, rate-limited
   * (`keyRefreshIntervalSeconds`), when a token names a `kid` nobody knows.
   */
  jwksUrl?: string;
  /**
   * NATS for a service without Tessera's PlatformModule: AuthModule then opens its own
   * connection, mirrors the key bucket and watches the revocation bucket there. Under
   * PlatformModule, leave it unset: the platform's connection is used.
   */
  natsUrl?: string;
  /** With `natsUrl`: the deployment's `NATS_NAMESPACE` (bucket names become `<ns>_<name>`). */
  natsNamespace?: string;
  /** With `natsUrl`: this service's NATS user and password. */
  natsCredentials?: NatsCredentials;
  /**
   * `nats` (default): revoked tokens are refused within seconds, from the revocation bucket.
   * `off`: no revocation at all, a token lives until it expires. Only for a service with no
   * NATS, and it must be said explicitly: without NATS and without `off`, AuthModule refuses to
   * start.
   */
  revocation?: 'nats' | 'off';
  /**
   * Also accept the access token from this cookie (browser clients). A request carrying both
   * the header and the cookie with different tokens is a 400. Needs @fastify/cookie, which
   * every Tessera service registers. Unset: header only.
   */
  cookieName?: string;
  /**
   * Algorithms this service accepts (a key published for another is ignored). Default RS256 and
   * ES256; with `sharedSecret`, HS256 only.
   */
  algorithms?: SigningAlgorithm[];
  /**
   * HS256 mode (README.md, "Signing algorithms"): the one secret shared by the issuer and a single
   * trusted group of services, at least 32 bytes. Set, it is the only key: the key bucket and the
   * JWKS are not read and no RS256/ES256 token is accepted. Unset, no HS256 token is ever accepted.
   */
  sharedSecret?: string;
  /**
   * Seconds of clock skew tolerated on `exp`, `nbf` and `iat`. Default 5. This and
   * `maxTokenLifetimeSeconds` must keep to the rules of libs/contracts/src/lifetimes.ts
   * (service tokens accepted, revocations outliving every accepted token), or options are refused.
   */
  clockToleranceSeconds?: number;
  /** Longest accepted `exp - iat`, in seconds. Default 3600 (MAX_ACCEPTED_TOKEN_LIFETIME_SECONDS). */
  maxTokenLifetimeSeconds?: number;
  /** Minimum seconds between two refreshes of the key set triggered by unknown `kid`s. Default 30. */
  keyRefreshIntervalSeconds?: number;
  /**
   * How long the mirrored revocation state may go without NATS before verification fails
   * closed (503) rather than risk accepting a revoked token. Default 60.
   */
  revocationMaxStalenessSeconds?: number;
  /**
   * How often the mirrored key and revocation buckets are checked against the buckets' newest
   * entry, and how long they may lag before being watched again (see KvMirror). Default 2000 ms
   * each.
   */
  syncCheck?: { checkIntervalMs?: number; graceMs?: number };
  /**
   * How many verified tokens to remember (keyed by the exact token string, until the token
   * expires) so a token seen before skips the signature check. Revocation and expiry are still
   * checked on every hit. 0 disables the cache. Default 10000.
   */
  verifiedTokenCacheSize?: number;
  /**
   * The actors (`act.sub`, RFC 8693) whose exchanged tokens this service accepts, e.g.
   * `['client:profile']` in orders. Default none: a token carrying `act` is refused (401
   * invalid_token) unless its actor is listed. Each entry is `client:<id>`.
   */
  allowedActors?: readonly string[];
  /** This service's own OAuth client, for `ServiceCalls.asService()`. Unset: no service token. */
  serviceClient?: ServiceClientOptions;
}

/** An actor a verifier may allow: `client:<id>`, the `act.sub` auth writes for a service client. */
const ACTOR_ID = 'client:[a-z0-9][a-z0-9_-]{0,63}';
const ACTOR = new RegExp(`^${ACTOR_ID}$`);
/**
 * AUTH_ALLOWED_ACTORS: comma-separated actors, or `none`. An empty value cannot say "none": the
 * config loader reads an empty variable as unset, which is the service's default.
 */
export const ALLOWED_ACTORS_FORMAT = new RegExp(`^(none|${ACTOR_ID}(,${ACTOR_ID})*)$`);

export const AUTH_MODULE_OPTIONS = Symbol('AUTH_MODULE_OPTIONS');

export interface ResolvedAuthOptions extends Required<
  Omit<
    AuthModuleOptions,
    'jwksUrl' | 'cookieName' | 'serviceClient' | 'sharedSecret' | 'natsUrl' | 'natsNamespace' | 'natsCredentials'
  >
> {
  jwksUrl?: string;
  natsUrl?: string;
  natsNamespace?: string;
  natsCredentials?: NatsCredentials;
  sharedSecret?: string;
  cookieName?: string;
  serviceClient?: ServiceClientOptions;
}

export function resolveAuthOptions(options: AuthModuleOptions): ResolvedAuthOptions {
  const symmetric = options.sharedSecret !== undefined;
  // Never mixed (RFC 8725 §3.1): one mode, one kind of key.
  if (options.algorithms?.some((alg) => (alg === 'HS256') !== symmetric)) {
    throw new Error(
      symmetric
        ? 'with a shared secret (HS256 mode) only HS256 can be accepted'
        : 'HS256 is accepted only in shared-secret mode (sharedSecret)',
    );
  }
  const resolved: ResolvedAuthOptions = {
    algorithms: symmetric ? ['HS256'] : ['RS256', 'ES256'],
    clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS,
    maxTokenLifetimeSeconds: MAX_ACCEPTED_TOKEN_LIFETIME_SECONDS,
    keyRefreshIntervalSeconds: 30,
    revocationMaxStalenessSeconds: REVOCATION_MAX_STALENESS.default,
    verifiedTokenCacheSize: 10_000,
    syncCheck: {},
    revocation: 'nats',
    allowedActors: [],
    ...options,
  };
  if (!resolved.allowedActors.every((actor) => ACTOR.test(actor))) {
    throw new Error('AuthModule option allowedActors must be "client:<id>" entries, such as "client:profile"');
  }
  if (resolved.revocation !== 'nats' && resolved.revocation !== 'off') {
    throw new Error(`AuthModule option revocation must be 'nats' or 'off', not ${JSON.stringify(resolved.revocation)}`);
  }
  if (resolved.natsUrl !== undefined && resolved.natsUrl.trim() === '') {
    throw new Error('AuthModule option natsUrl is empty: give a nats:// URL, or leave it unset');
  }
  const problems = checkLifetimes({
    maxAcceptedSeconds: resolved.maxTokenLifetimeSeconds,
    clockToleranceSeconds: resolved.clockToleranceSeconds,
  });
  if (problems.length > 0) {
    throw new Error(`AuthModule options break the token lifetime rules: ${problems.join('; ')}`);
  }
  return resolved;
}
