import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';

import { InvalidTokenError, RevocationsUnavailableError } from '../auth.errors';
import { AUTH_MODULE_OPTIONS, type ResolvedAuthOptions } from '../auth.options';
import { KeyStore } from '../keys/key-store';
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

@Injectable()
export class TokenVerifier {
  /** Tokens whose signature and claims were verified, keyed by the exact token string. */
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
    const hit = this.verified?.get(token);
    if (hit) {
      this.assertCurrent(hit.principal, hit.iat);
      return hit.principal;
    }
    const verified = await this.verifyFully(token);
    // Kept until the token expires; the LRU bound caps memory however many tokens arrive.
    const ttl = (verified.principal.exp + this.options.clockToleranceSeconds) * 1000 - Date.now();
    if (ttl > 0) {
      this.verified?.set(token, verified, { ttl });
    }
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

  private async verifyFully(token: string): Promise<VerifiedToken> {
    const { kid, alg } = precheckToken(token);
    // Known kid: no await, no microtask; unknown kid: one rate-limited refresh.
    const key = this.keys.get(kid) ?? (await this.keys.find(kid));
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
    const { fields, iat } = checkClaims(token.split('.')[1] ?? '', this.options, Math.floor(Date.now() / 1000));
    const principal = createPrincipal(fields, token);
    this.assertCurrent(principal, iat);
    return { principal, iat };
  }
}
