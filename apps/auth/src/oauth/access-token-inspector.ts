import { Injectable } from '@nestjs/common';
import { KeyStore, precheckToken } from '@tessera/auth';
import { jwtVerify } from 'jose';

import { AuthConfig } from '../config/auth.config';

/** What revoking an access token needs: its id, and how long the revocation must last. */
export interface RevocableToken {
  jti: string;
  exp: number;
}

/**
 * Recognises access tokens this issuer signed, whichever service they are for. TokenVerifier
 * cannot: it accepts only tokens whose `aud` names auth, and a service token's names only the
 * services its scopes are for. So the same checks minus the audience: the cheap precheck, the
 * key by `kid` with the key's own algorithm (RFC 8725 §3.1), signature, `typ`, `iss` and
 * expiry. Revocation (`POST /oauth/revoke`) is its only use; no access is granted from it.
 */
@Injectable()
export class AccessTokenInspector {
  constructor(
    private readonly keys: KeyStore,
    private readonly config: AuthConfig,
  ) {}

  /** The token's `jti` and `exp` when it is one of ours and not yet expired; undefined otherwise. */
  async revocable(token: string): Promise<RevocableToken | undefined> {
    let header: ReturnType<typeof precheckToken>;
    try {
      header = precheckToken(token);
    } catch {
      return undefined;
    }
    const key = await this.keys.find(header.kid);
    if (!key || key.alg !== header.alg) {
      return undefined;
    }
    try {
      const { payload } = await jwtVerify(token, key.key, {
        algorithms: [key.alg],
        issuer: this.config.AUTH_ISSUER,
        typ: 'at+jwt',
        requiredClaims: ['exp', 'jti'],
      });
      const { jti, exp } = payload;
      return typeof jti === 'string' && jti.length > 0 && typeof exp === 'number' ? { jti, exp } : undefined;
    } catch {
      // Expired (nothing left to revoke), wrongly signed, or not ours.
      return undefined;
    }
  }
}
