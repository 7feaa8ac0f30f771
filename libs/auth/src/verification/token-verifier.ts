import { Inject, Injectable } from '@nestjs/common';
import { errors as joseErrors, jwtVerify } from 'jose';
import { LRUCache } from 'lru-cache';
import type { JWTPayload } from 'jose';

import { InvalidTokenError, RevocationsUnavailableError } from '../auth.errors';
import { AUTH_MODULE_OPTIONS, type ResolvedAuthOptions } from '../auth.options';
import { KeyStore } from '../keys/key-store';
import { RevocationStore } from '../revocation/revocation.store';
import type { Principal } from '../principal';
import { createPrincipal } from '../principal';
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
    const key = await this.keys.find(kid);
    if (!key) {
      throw new InvalidTokenError(undefined, 'unknown_kid');
    }
    // The algorithm is the key's; a token naming another one (none, HS256 with the public key
    // as secret) is refused here and again by jose's `algorithms` allow-list.
    if (alg !== key.alg) {
      throw new InvalidTokenError(undefined, 'alg_mismatch');
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key.key, {
        algorithms: [key.alg],
        issuer: this.options.issuer,
        audience: this.options.audience,
        typ: 'at+jwt',
        clockTolerance: this.options.clockToleranceSeconds,
        requiredClaims: ['exp', 'iat', 'sub', 'jti'],
      }));
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) {
        throw new InvalidTokenError('The access token has expired.', 'expired');
      }
      throw new InvalidTokenError(undefined, e instanceof joseErrors.JOSEError ? e.code : 'invalid');
    }
    const principal = createPrincipal(this.checkClaims(payload), token);
    const iat = payload.iat as number;
    this.assertCurrent(principal, iat);
    return { principal, iat };
  }

  /** What jose leaves to us: `iat` not in the future, bounded lifetime, claim types. */
  private checkClaims(payload: JWTPayload): Omit<Principal, 'token'> {
    const now = Math.floor(Date.now() / 1000);
    const { exp, iat, sub, jti } = payload;
    const tolerance = this.options.clockToleranceSeconds;
    if (typeof exp !== 'number' || typeof iat !== 'number' || typeof sub !== 'string' || typeof jti !== 'string') {
      throw new InvalidTokenError(undefined, 'claim_types');
    }
    if (iat > now + tolerance) {
      throw new InvalidTokenError(undefined, 'iat_in_future');
    }
    if (exp - iat > this.options.maxTokenLifetimeSeconds) {
      throw new InvalidTokenError(undefined, 'lifetime_too_long');
    }
    if (sub.length === 0 || jti.length === 0) {
      throw new InvalidTokenError(undefined, 'claim_types');
    }
    const roles = payload.roles ?? [];
    if (!Array.isArray(roles) || !roles.every((r) => typeof r === 'string')) {
      throw new InvalidTokenError(undefined, 'claim_types');
    }
    const scope = payload.scope ?? '';
    if (typeof scope !== 'string') {
      throw new InvalidTokenError(undefined, 'claim_types');
    }
    const clientId = payload.client_id;
    if (clientId !== undefined && typeof clientId !== 'string') {
      throw new InvalidTokenError(undefined, 'claim_types');
    }
    return {
      sub,
      jti,
      exp,
      roles: Object.freeze([...roles]),
      scopes: Object.freeze(scope.split(' ').filter((s) => s.length > 0)),
      ...(clientId !== undefined ? { clientId } : {}),
    };
  }
}
