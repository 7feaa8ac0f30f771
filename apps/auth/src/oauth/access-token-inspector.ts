import { Injectable } from '@nestjs/common';
import { InvalidTokenError, TokenVerifier } from '@tessera/auth';

/** What revoking an access token needs: its id, and how long the revocation must last. */
export interface RevocableToken {
  jti: string;
  exp: number;
}

/**
 * Recognises access tokens this issuer signed, whichever service they are for, with the one
 * verification policy of @tessera/auth (`TokenVerifier.inspect`): everything the guards refuse
 * is refused here too, except that `aud` may name any service and a token already revoked still
 * counts. Revocation (`POST /oauth/revoke`) is its only use; no access is granted from it.
 */
@Injectable()
export class AccessTokenInspector {
  constructor(private readonly verifier: TokenVerifier) {}

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
