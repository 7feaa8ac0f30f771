import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';

import { InvalidTokenError, RevocationsUnavailableError } from '../auth.errors';
import { AUTH_MODULE_OPTIONS, type ResolvedAuthOptions } from '../auth.options';
import { KeyStore } from '../keys/key-store';
import type { VerificationKey } from '../keys/public-jwk';
import { RevocationStore } from '../revocation/revocation.store';
import type { Principal } from '../principal';
import { createPrincipal } from '../principal';
import { checkClaims } from './claims';
import { signatureIsValid } from './signature';
import { precheckToken } from './token-precheck';

interface VerifiedToken {
  principal: Principal;
  iat: number;
}

/** What `inspect` asks of a token beyond being one this issuer signed and still current. */
export interface InspectOptions {
  /**
   * 'accept': a revoked token still counts, for revoking it (again), where no access follows and
   * the revocation state need not be fresh. 'refuse': revoked is refused as by `verify`, and a
   * stale revocation state fails closed (RevocationsUnavailableError), as an introspection
   * answer needs.
   */
  revoked: 'accept' | 'refuse';
}

/**
 * The verified-token cache is looked up by the token's last characters, the end of its
 * signature: ~90 bits only the signing key could have produced, and hashing them costs a
 * fraction of hashing the whole token on every request. A hit counts only when the
 * whole token is the one verified; anything else is a miss and is verified in full.
 */
const CACHE_KEY_LENGTH = 16;
const cacheKey = (token: string) => token.slice(-CACHE_KEY_LENGTH);

/**
 * The one verification policy: a cheap header precheck (token-precheck.ts), the key by `kid`
 * with the key's own algorithm and its signature (signature.ts), the claims (claims.ts), then
 * expiry and revocation on every use. The HTTP guard, the NATS guard and anything else that
 * accepts a token goes through `verify`; code that only needs to recognise a token of this
 * issuer, whatever service it is for, goes through `inspect`, which differs in nothing else.
 */
@Injectable()
export class TokenVerifier {
  /** Tokens whose signature and claims were verified, by `cacheKey`; a hit is the exact token string. */
  private readonly verified?: LRUCache<string, VerifiedToken>;

  constructor(
    @Inject(AUTH_MODULE_OPTIONS) private readonly options: ResolvedAuthOptions,
    private readonly keys: KeyStore,
    private readonly revocations: RevocationStore,
  ) {
    if (options.verifiedTokenCacheSize > 0) {
      const cache = new LRUCache<string, VerifiedToken>({ max: options.verifiedTokenCacheSize });
      this.verified = cache;
      // A key that leaves the key set takes what it verified with it.
      keys.onRemove(() => cache.clear());
    }
  }

  async verify(token: string): Promise<Principal> {
    const hit = this.verified?.get(cacheKey(token));
    if (hit !== undefined && hit.principal.token === token) {
      this.assertCurrent(hit.principal, hit.iat);
      return hit.principal;
    }
    const { kid, alg } = precheckToken(token);
    // Known kid: no await until the result is cached, so requests arriving together with the
    // same new token verify it once. Unknown kid: one rate-limited refresh.
    const verified = this.verifyWithKey(token, alg, this.keys.get(kid) ?? (await this.keys.find(kid)), false);
    this.assertCurrent(verified.principal, verified.iat);
    // No TTL of its own: every hit checks expiry (assertCurrent), and lru-cache's TTL clock
    // costs a timer per millisecond under load. The LRU bound caps memory however
    // many tokens arrive; expired entries age out, refused cheaply until they do.
    this.verified?.set(cacheKey(token), verified);
    return verified.principal;
  }

  /**
   * A token this issuer signed for any audience, refused for everything else `verify` refuses
   * (header, key, algorithm, signature, issuer, times, lifetime, claim types); revocation as
   * `options.revoked` says. It grants nothing by itself: for revoking and introspecting tokens,
   * never for authorising a request. It neither reads nor fills the verified-token cache, which
   * holds only what `verify` accepted.
   */
  async inspect(token: string, options: InspectOptions): Promise<Principal> {
    const { kid, alg } = precheckToken(token);
    const { principal, iat } = this.verifyWithKey(token, alg, this.keys.get(kid) ?? (await this.keys.find(kid)), true);
    if (options.revoked === 'refuse') {
      this.assertCurrent(principal, iat);
    }
    return principal;
  }

  /** Expiry and revocation: checked on every use, cached or not. */
  private assertCurrent(principal: Principal, iat: number): void {
    if (principal.exp + this.options.clockToleranceSeconds <= Math.floor(Date.now() / 1000)) {
      throw new InvalidTokenError('The access token has expired.', 'expired');
    }
    // From the in-memory mirror only, no network call: a revoked jti, or a token older than
    // its subject's revoked-before time.
    if (this.revocations.stale) {
      throw new RevocationsUnavailableError();
    }
    if (this.revocations.isRevoked({ jti: principal.jti, sub: principal.sub, iat })) {
      throw new InvalidTokenError('The access token has been revoked.', 'revoked');
    }
  }

  /**
   * Key, algorithm, signature and claims of a prechecked token, synchronously; the caller checks
   * revocation. `anyAudience` only for `inspect`.
   */
  private verifyWithKey(
    token: string,
    alg: unknown,
    key: VerificationKey | undefined,
    anyAudience: boolean,
  ): VerifiedToken {
    if (!key) {
      throw new InvalidTokenError(undefined, 'unknown_kid');
    }
    // The algorithm is the key's (RFC 8725 §3.1): a token naming another one (none, HS256
    // with the public key as the secret) never reaches a signature check.
    if (alg !== key.alg) {
      throw new InvalidTokenError(undefined, 'alg_mismatch');
    }
    if (!this.options.algorithms.includes(key.alg)) {
      throw new InvalidTokenError(undefined, 'alg_not_allowed');
    }
    if (!signatureIsValid(token, key)) {
      throw new InvalidTokenError(undefined, 'bad_signature');
    }
    const payload = token.slice(token.indexOf('.') + 1, token.lastIndexOf('.'));
    const { fields, iat } = checkClaims(payload, this.options, Math.floor(Date.now() / 1000), anyAudience);
    return { principal: createPrincipal(fields, token), iat };
  }
}
