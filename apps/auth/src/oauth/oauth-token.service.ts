import { Injectable } from '@nestjs/common';
import { CONSOLE_CLIENT_ID, TOKEN_EXCHANGE_GRANT } from '@tessera/contracts';

import { OAuthClientsService } from '../clients/oauth-clients.service';

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
    private readonly registry: OAuthClientsService,
  ) {}

  /**
   * Authenticates the client when it presents credentials (a wrong secret fails whatever the
   * grant), then runs the grant.
   */
  async token(params: TokenRequestDto, presented: PresentedClient | undefined): Promise<TokenResponse> {
    if (params.grant_type === 'refresh_token') {
      return this.refreshToken(params, presented);
    }
    if (!presented && params.client_id !== undefined && params.client_id !== CONSOLE_CLIENT_ID) {
      // Only the refresh grant serves public relying parties; anything else naming a client
      // without its secret is a failed authentication.
      throw new InvalidClientError();
    }
    const client = presented ? this.authenticate(presented) : undefined;
    switch (params.grant_type) {
      case undefined:
        throw new InvalidOAuthRequestError('grant_type is required.');
      case 'client_credentials':
        return this.clientCredentials(client, params.scope);
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
   * RFC 6749 §6, rotating exactly like `POST /auth/refresh`, for the client the family was issued
   * to: the console (no credentials), or a relying party that signed the user in through the
   * OpenID Provider (its secret, or just its id when it is public). A service client holds no
   * refresh token, so one it presents was not issued to it (§6) and is refused before it is
   * looked at: the user's session is left unharmed, as it is for a token of another client.
   */
  private async refreshToken(params: TokenRequestDto, presented: PresentedClient | undefined) {
    const clientId = await this.refreshingClient(params, presented);
    if (params.refresh_token === undefined) {
      throw new InvalidOAuthRequestError('refresh_token is required.');
    }
    try {
      const session = await this.refresh.rotate(params.refresh_token, new Date(), {}, clientId);
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

  private async refreshingClient(params: TokenRequestDto, presented: PresentedClient | undefined): Promise<string> {
    if (presented) {
      if (await this.registry.authenticate(presented.clientId, presented.clientSecret)) {
        return presented.clientId;
      }
      this.authenticate(presented);
      throw new OAuthInvalidGrantError();
    }
    if (params.client_id === undefined || params.client_id === CONSOLE_CLIENT_ID) {
      return CONSOLE_CLIENT_ID;
    }
    const registered = await this.registry.find(params.client_id);
    if (registered?.token_endpoint_auth_method !== 'none') {
      throw new InvalidClientError();
    }
    return registered.client_id;
  }
}
