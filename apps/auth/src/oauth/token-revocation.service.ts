import { Injectable } from '@nestjs/common';

import { RevocationQueue } from '../revocations/revocation-queue.service';
import { SessionFamiliesService } from '../sessions/session-families.service';
import { isRefreshTokenFormat } from '../sessions/refresh-token';
import { AccessTokenInspector } from './access-token-inspector';
import type { PresentedClient } from './client-authentication';
import type { RevocationRequestDto } from './dto/revocation-request.dto';
import { InvalidClientError, InvalidOAuthRequestError } from './oauth.errors';
import { ServiceClientsService } from './service-clients.service';

/**
 * RFC 7009 token revocation. A refresh token ends its session (the family, with every access
 * token it issued); an access token is revoked by `jti` through the outbox into the revocations
 * bucket, which every service watches. Holding a token is authority enough to revoke it, as at `POST /auth/logout`:
 * client authentication is optional (the first-party client is public), but credentials that
 * are sent must be valid.
 */
@Injectable()
export class TokenRevocationService {
  constructor(
    private readonly clients: ServiceClientsService,
    private readonly families: SessionFamiliesService,
    private readonly inspector: AccessTokenInspector,
    private readonly revocations: RevocationQueue,
  ) {}

  /** Returns normally whether or not the token was known (RFC 7009 §2.2). */
  async revoke(params: RevocationRequestDto, presented: PresentedClient | undefined): Promise<void> {
    if (presented && !this.clients.authenticate(presented.clientId, presented.clientSecret)) {
      throw new InvalidClientError();
    }
    const token = params.token;
    if (token === undefined) {
      throw new InvalidOAuthRequestError('token is required.');
    }
    // The token's form tells its type; token_type_hint is only a hint (RFC 7009 §2.1).
    if (isRefreshTokenFormat(token)) {
      await this.families.revokeByRefreshToken(token);
      return;
    }
    const access = await this.inspector.revocable(token);
    if (access) {
      await this.revocations.revoke([{ jti: access.jti, exp: access.exp }]);
    }
  }
}
