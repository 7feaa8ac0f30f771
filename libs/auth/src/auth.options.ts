import type { ServiceClientOptions } from './client/service-token.provider';

/** Options of AuthModule: what this service accepts and where its keys come from. */
export interface AuthModuleOptions {
  /** This service's name; a token is accepted only when its `aud` names it. */
  audience: string;
  /** The issuer every token must carry in `iss`. */
  issuer: string;
  /** HTTP JWKS fallback, used when the NATS KV bucket has no key for a `kid`. */
  jwksUrl?: string;
  /**
   * Also accept the access token from this cookie (browser clients). A request carrying both
   * the header and the cookie with different tokens is a 400. Needs @fastify/cookie, which
   * every Tessera service registers. Unset: header only.
   */
  cookieName?: string;
  /** Algorithms this service accepts (a key published for another is ignored). Default both. */
  algorithms?: ('RS256' | 'ES256')[];
  /** Seconds of clock skew tolerated on `exp`, `nbf` and `iat`. Default 5. */
  clockToleranceSeconds?: number;
  /** Longest accepted `exp - iat`, in seconds. Default 3600. */
  maxTokenLifetimeSeconds?: number;
  /** Minimum seconds between two refreshes of the key set triggered by unknown `kid`s. Default 30. */
  keyRefreshIntervalSeconds?: number;
  /**
   * How long the mirrored revocation state may go without NATS before verification fails
   * closed (503) rather than risk accepting a revoked token. Default 60.
   */
  revocationMaxStalenessSeconds?: number;
  /**
   * How many verified tokens to remember (keyed by the exact token string, until the token
   * expires) so a token seen before skips the signature check. Revocation and expiry are still
   * checked on every hit. 0 disables the cache. Default 10000.
   */
  verifiedTokenCacheSize?: number;
  /** This service's own OAuth client, for `ServiceCalls.asService()`. Unset: no service token. */
  serviceClient?: ServiceClientOptions;
}

export const AUTH_MODULE_OPTIONS = Symbol('AUTH_MODULE_OPTIONS');

export interface ResolvedAuthOptions extends Required<
  Omit<AuthModuleOptions, 'jwksUrl' | 'cookieName' | 'serviceClient'>
> {
  jwksUrl?: string;
  cookieName?: string;
  serviceClient?: ServiceClientOptions;
}

export function resolveAuthOptions(options: AuthModuleOptions): ResolvedAuthOptions {
  return {
    algorithms: ['RS256', 'ES256'],
    clockToleranceSeconds: 5,
    maxTokenLifetimeSeconds: 3600,
    keyRefreshIntervalSeconds: 30,
    revocationMaxStalenessSeconds: 60,
    verifiedTokenCacheSize: 10_000,
    ...options,
  };
}
