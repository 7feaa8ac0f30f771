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

/**
 * The one verification policy (design, "Verification" steps 2-4 and 6). The HTTP guard, the
 * NATS guard and anything else that accepts a token goes through `verify`.
 */
interface VerifiedToken {
  principal: Principal;
  iat: number;
}

/**
 * The verified-token cache is looked up by the token's last characters, the end of its
 * signature: ~90 bits only the signing key could have produced, and hashing them costs a
 * fraction of hashing the whole token on every request (issue 7). A hit counts only when the
 * whole token is the one verified; anything else is a miss and is verified in full.
 */
const CACHE_KEY_LENGTH = 16;
const cacheKey = (token: string) => token.slice(-CACHE_KEY_LENGTH);

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
    const verified = this.verifyWithKey(token, alg, this.keys.get(kid) ?? (await this.keys.find(kid)));
    // No TTL of its own: every hit checks expiry (assertCurrent), and lru-cache's TTL clock
    // costs a timer per millisecond under load (issue 7). The LRU bound caps memory however
    // many tokens arrive; expired entries age out, refused cheaply until they do.
    this.verified?.set(cacheKey(token), verified);
    return verified.principal;
  }

  /** Expiry and revocation: checked on every use, cached or not. */
  private assertCurrent(principal: Principal, iat: number): void {
    if (principal.exp + this.options.clockToleranceSeconds <= Math.floor(Date.now() / 1000)) {
      throw new InvalidTokenError('The access token has expired.', 'expired');
    }
    // Design step 5, from memory only: a revoked jti, or a token older than its subject's
    // revoked-before time.
    if (this.revocations.stale) {
      throw new RevocationsUnavailableError();
    }
    if (this.revocations.isRevoked({ jti: principal.jti, sub: principal.sub, iat })) {
      throw new InvalidTokenError('The access token has been revoked.', 'revoked');
    }
  }

  /** Steps 3-5 for a prechecked token, synchronously. */
  private verifyWithKey(token: string, alg: unknown, key: VerificationKey | undefined): VerifiedToken {
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
    const { fields, iat } = checkClaims(payload, this.options, Math.floor(Date.now() / 1000));
    const principal = createPrincipal(fields, token);
    this.assertCurrent(principal, iat);
    return { principal, iat };
  }
}
