import { Injectable } from '@nestjs/common';
import { InvalidTokenError, type Principal, TokenVerifier } from '@tessera/auth';
import { decodeJwt } from 'jose';

/** What revoking an access token needs: its id, and how long the revocation must last. */
export interface RevocableToken {
  jti: string;
  exp: number;
}

/**
 * Recognises access tokens this issuer signed, whichever service they are for, with the one
 * verification policy of @tessera/auth (`TokenVerifier.inspect`): everything the guards refuse
 * is refused here too, except that `aud` may name any service and a token already revoked still
 * counts for revocation. It serves revocation (`POST /oauth/revoke`) and introspection
 * (`POST /oauth/introspect`, where a revoked token is inactive); no access is granted from it.
 */
@Injectable()
export class AccessTokenInspector {
  constructor(private readonly verifier: TokenVerifier) {}

  /**
   * The claims of an access token that every service would accept right now (signed by us, not
   * expired, not revoked), whatever service it is for; undefined for anything else.
   */
  async active(token: string): Promise<{ principal: Principal; claims: Record<string, unknown> } | undefined> {
    try {
      const principal = await this.verifier.inspect(token, { revoked: 'refuse' });
      // Verified just now: reading the payload again is safe, and gives iat, nbf, aud and iss.
      return { principal, claims: decodeJwt(token) };
    } catch (error) {
      if (error instanceof InvalidTokenError) {
        return undefined;
      }
      throw error;
    }
  }

  /** The token's `jti` and `exp` when it is one of ours and not yet expired; undefined otherwise. */
  async revocable(token: string): Promise<RevocableToken | undefined> {
    try {
      const { jti, exp } = await this.verifier.inspect(token, { revoked: 'accept' });
      return { jti, exp };
    } catch (error) {
      // Expired (nothing left to revoke), wrongly signed, or not ours.
      if (error instanceof InvalidTokenError) {
        return undefined;
      }
      throw error;
    }
  }
}
