import { Injectable } from '@nestjs/common';
import { InvalidTokenError } from '@tessera/auth';

import { TokenIssuer } from '../tokens/token-issuer.service';
import { PasswordHasher } from '../users/password-hasher.service';
import type { PublicUser } from '../users/users.service';
import { toPublicUser, UsersService } from '../users/users.service';
import { InvalidCredentialsError } from './sessions.errors';

/** RFC 6749 §5.1 shape. Refresh tokens arrive with issue 3. */
export interface AccessTokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

@Injectable()
export class SessionsService {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenIssuer,
  ) {}

  async login(email: string, password: string): Promise<AccessTokenResponse> {
    const user = await this.users.findByEmail(email);
    // Always one argon2 verification, against a dummy hash for an unknown email, so the
    // response time does not reveal whether the account exists.
    const passwordMatches = await this.hasher.verify(user?.passwordHash, password);
    if (!user || !passwordMatches || user.disabled) {
      throw new InvalidCredentialsError();
    }
    const issued = await this.tokens.issueAccessToken({ sub: user.id, roles: user.roles });
    return { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn };
  }

  /** The account behind a verified token; a deleted or disabled one no longer counts. */
  async me(userId: string): Promise<PublicUser> {
    const user = await this.users.findById(userId);
    if (!user || user.disabled) {
      throw new InvalidTokenError();
    }
    return toPublicUser(user);
  }
}
