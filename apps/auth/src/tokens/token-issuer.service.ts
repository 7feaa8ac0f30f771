import { randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';

import { AuthConfig } from '../config/auth.config';
import { KeyService } from '../keys/key.service';

export interface AccessTokenSubject {
  /** A user id (or, for service tokens, `client:<id>`). */
  sub: string;
  roles: readonly string[];
  scopes?: readonly string[];
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  /** Seconds until expiry, for `expires_in`. */
  expiresIn: number;
  /** Seconds since the epoch. */
  expiresAt: number;
}

/**
 * Signs access tokens as RFC 9068 describes them: `typ: at+jwt`, the signing key's `kid`, and
 * only the claims a verifier needs. No email or name: anyone holding a token can read it.
 */
@Injectable()
export class TokenIssuer {
  constructor(
    private readonly config: AuthConfig,
    private readonly keys: KeyService,
  ) {}

  async issueAccessToken(subject: AccessTokenSubject, now = Date.now()): Promise<IssuedAccessToken> {
    const key = this.keys.signingKey();
    const iat = Math.floor(now / 1000);
    const expiresIn = this.config.ACCESS_TOKEN_TTL_SECONDS;
    const jti = randomUUID();
    const token = await new SignJWT({ roles: [...subject.roles], scope: (subject.scopes ?? []).join(' ') })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
      .setIssuer(this.config.AUTH_ISSUER)
      .setSubject(subject.sub)
      .setAudience(this.config.accessTokenAudience)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + expiresIn)
      .setJti(jti)
      .sign(key.privateKey);
    return { token, jti, expiresIn, expiresAt: iat + expiresIn };
  }
}
