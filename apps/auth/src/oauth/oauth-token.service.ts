import { Injectable } from '@nestjs/common';
import { TOKEN_EXCHANGE_GRANT } from '@tessera/contracts';

import { InvalidGrantError } from '../sessions/sessions.errors';
import { RefreshTokensService } from '../sessions/refresh-tokens.service';
import { TokenIssuer } from '../tokens/token-issuer.service';
import type { PresentedClient } from './client-authentication';
import type { TokenRequestDto } from './dto/token-request.dto';
import {
  InvalidClientError,
  InvalidOAuthRequestError,
  OAuthInvalidGrantError,
  UnsupportedGrantTypeError,
} from './oauth.errors';
import type { ServiceClient } from './service-clients.service';
import { ServiceClientsService } from './service-clients.service';
import type { ExchangedTokenResponse } from './token-exchange.service';
import { TokenExchangeService } from './token-exchange.service';

/** RFC 6749 §5.1 for client_credentials: no refresh token (§4.4.3). */
export interface ServiceTokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/** RFC 6749 §5.1 for refresh_token: the rotated pair. */
export interface RefreshedTokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
}

export type TokenResponse = ServiceTokenResponse | RefreshedTokenResponse | ExchangedTokenResponse;

/** The token endpoint's grants, independent of HTTP. */
@Injectable()
export class OAuthTokenService {
  constructor(
    private readonly clients: ServiceClientsService,
    private readonly tokens: TokenIssuer,
    private readonly refresh: RefreshTokensService,
    private readonly exchange: TokenExchangeService,
  ) {}

  /**
   * Authenticates the client when it presents credentials (a wrong secret fails whatever the
   * grant), then runs the grant.
   */
  async token(params: TokenRequestDto, presented: PresentedClient | undefined): Promise<TokenResponse> {
    const client = presented ? this.authenticate(presented) : undefined;
    switch (params.grant_type) {
      case undefined:
        throw new InvalidOAuthRequestError('grant_type is required.');
      case 'client_credentials':
        return this.clientCredentials(client, params.scope);
      case 'refresh_token':
        return this.refreshToken(client, params.refresh_token);
      case TOKEN_EXCHANGE_GRANT:
        // RFC 8693 §2.1: only an authenticated confidential client exchanges a token.
        if (!client) {
          throw new InvalidClientError();
        }
        return this.exchange.exchange(client, params);
      default:
        throw new UnsupportedGrantTypeError();
    }
  }

  private authenticate(presented: PresentedClient): ServiceClient {
    const client = this.clients.authenticate(presented.clientId, presented.clientSecret);
    if (!client) {
      throw new InvalidClientError();
    }
    return client;
  }

  /** RFC 6749 §4.4: only a confidential client, only within its allowed scopes. */
  private async clientCredentials(client: ServiceClient | undefined, scope: string | undefined) {
    if (!client) {
      throw new InvalidClientError();
    }
    const scopes = this.clients.grantScopes(client, scope);
    const issued = await this.tokens.issueServiceToken({ clientId: client.id, scopes });
    return {
      access_token: issued.token,
      token_type: 'Bearer' as const,
      expires_in: issued.expiresIn,
      scope: scopes.join(' '),
    };
  }

  /**
   * RFC 6749 §6, rotating exactly like `POST /auth/refresh`. Refresh tokens are issued only to
   * the public first-party client, so one presented by an authenticated service client was not
   * issued to it (§6: "validate ... that the refresh token was issued to the authenticated
   * client") and is refused before it is looked at: the user's session is left unharmed.
   */
  private async refreshToken(client: ServiceClient | undefined, token: string | undefined) {
    if (token === undefined) {
      throw new InvalidOAuthRequestError('refresh_token is required.');
    }
    if (client) {
      throw new OAuthInvalidGrantError();
    }
    try {
      const session = await this.refresh.rotate(token);
      return {
        access_token: session.accessToken.token,
        token_type: 'Bearer' as const,
        expires_in: session.accessToken.expiresIn,
        refresh_token: session.refreshToken,
      };
    } catch (e) {
      if (e instanceof InvalidGrantError) {
        throw new OAuthInvalidGrantError();
      }
      throw e;
    }
  }
}
