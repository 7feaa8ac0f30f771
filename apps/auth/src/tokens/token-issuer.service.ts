import { randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import {
  EXCHANGED_TOKEN_MAX_TTL_SECONDS,
  OPENID_SCOPES,
  Role,
  SCOPES,
  scopesForRoles,
  SERVICE_TOKEN_TTL_SECONDS,
} from '@tessera/contracts';
import { SignJWT } from 'jose';

import { AuthConfig } from '../config/auth.config';
import { KeyService } from '../keys/key.service';

export interface AccessTokenSubject {
  /** A user id. */
  sub: string;
  roles: readonly string[];
  /** The client the user signed in through (`client_id`, RFC 9068 §2.2): `tessera-web` for the console. */
  clientId: string;
  /**
   * What a relying party was granted (its OpenID scopes included): the token carries those of
   * them the roles allow. Unset: the console, whose tokens carry what the roles grant.
   */
  grantedScopes?: readonly string[];
}

/**
 * The scopes of a relying party's token: the OpenID scopes it was granted, then the service
 * scopes it was granted that the roles allow, in SCOPES order.
 */
export function scopesForGrant(granted: readonly string[], roles: readonly string[]): string[] {
  const allowed = new Set<string>(scopesForRoles(roles));
  const asked = new Set(granted);
  return [...OPENID_SCOPES.filter((s) => asked.has(s)), ...SCOPES.filter((s) => asked.has(s) && allowed.has(s))];
}

/** A service client authenticated for the client_credentials grant, with the scopes granted to it. */
export interface ServiceTokenSubject {
  clientId: string;
  scopes: readonly string[];
}

/** A user's token exchanged by a service client (RFC 8693): for one audience, narrowed, acted by the client. */
export interface ExchangedTokenSubject {
  /** The user the subject token was for. */
  sub: string;
  audience: string;
  scopes: readonly string[];
  clientId: string;
  /** Seconds since the epoch; the exchanged token never outlives it. */
  notAfter: number;
}

/** The services a scope list is meant for: the part of each scope before ':' (`profile:read` → `profile`). */
export function audienceOfScopes(scopes: readonly string[]): string[] {
  return [...new Set(scopes.map((scope) => scope.split(':')[0] ?? scope))];
}

/**
 * The roles a relying party's token carries: the user's, except that only a first-party client
 * ever gets `admin`. A third-party application the user signed in to must never be able to act
 * as an administrator, whatever the user is.
 */
export function rolesForClient(roles: readonly string[], firstParty: boolean): string[] {
  return firstParty ? [...roles] : roles.filter((role) => role !== Role.Admin);
}

interface TokenClaims {
  sub: string;
  aud: readonly string[];
  roles: readonly string[];
  scopes: readonly string[];
  clientId?: string;
  /** RFC 8693 §4.1: who acts for `sub`. */
  actor?: string;
  ttlSeconds: number;
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

  /**
   * A user's token, for every service in ACCESS_TOKEN_AUDIENCE, with the scopes the user's roles
   * grant (scopesForRoles) and the client they signed in through. The scopes reach the user's own
   * data only; services refuse another user's to anything but a service's own token.
   */
  issueAccessToken(subject: AccessTokenSubject, now = Date.now()): Promise<IssuedAccessToken> {
    return this.sign(
      {
        sub: subject.sub,
        aud: this.config.accessTokenAudience,
        roles: subject.roles,
        scopes:
          subject.grantedScopes === undefined
            ? scopesForRoles(subject.roles)
            : scopesForGrant(subject.grantedScopes, subject.roles),
        clientId: subject.clientId,
        ttlSeconds: this.config.ACCESS_TOKEN_TTL_SECONDS,
      },
      now,
    );
  }

  /**
   * A service's own token (client_credentials): `sub` `client:<id>`, `client_id` (RFC 9068 §2.2),
   * no roles, and an `aud` naming only the services its scopes are for, so no other service
   * accepts it.
   */
  issueServiceToken(subject: ServiceTokenSubject, now = Date.now()): Promise<IssuedAccessToken> {
    return this.sign(
      {
        sub: `client:${subject.clientId}`,
        aud: audienceOfScopes(subject.scopes),
        roles: [],
        scopes: subject.scopes,
        clientId: subject.clientId,
        ttlSeconds: SERVICE_TOKEN_TTL_SECONDS,
      },
      now,
    );
  }

  /**
   * An exchanged token (RFC 8693): `sub` the user, `aud` only `audience`, the narrowed scopes,
   * `client_id` and `act.sub` the acting client, no roles (the callee authorises it by scope
   * and `sub` alone), and a lifetime of at most EXCHANGED_TOKEN_MAX_TTL_SECONDS that never
   * passes `notAfter`, the subject token's expiry.
   */
  issueExchangedToken(subject: ExchangedTokenSubject, now = Date.now()): Promise<IssuedAccessToken> {
    const ttlSeconds = Math.min(EXCHANGED_TOKEN_MAX_TTL_SECONDS, subject.notAfter - Math.floor(now / 1000));
    return this.sign(
      {
        sub: subject.sub,
        aud: [subject.audience],
        roles: [],
        scopes: subject.scopes,
        clientId: subject.clientId,
        actor: `client:${subject.clientId}`,
        ttlSeconds,
      },
      now,
    );
  }

  private async sign(claims: TokenClaims, now: number): Promise<IssuedAccessToken> {
    const key = this.keys.signingKey();
    const iat = Math.floor(now / 1000);
    const expiresIn = claims.ttlSeconds;
    const jti = randomUUID();
    const token = await new SignJWT({
      roles: [...claims.roles],
      scope: claims.scopes.join(' '),
      ...(claims.clientId !== undefined ? { client_id: claims.clientId } : {}),
      ...(claims.actor !== undefined ? { act: { sub: claims.actor } } : {}),
    })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
      .setIssuer(this.config.AUTH_ISSUER)
      .setSubject(claims.sub)
      .setAudience([...claims.aud])
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + expiresIn)
      .setJti(jti)
      .sign(key.privateKey);
    return { token, jti, expiresIn, expiresAt: iat + expiresIn };
  }
}
