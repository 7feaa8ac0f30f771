import { Injectable } from '@nestjs/common';
import { ACCESS_TOKEN_TYPE, scopesForRoles } from '@tessera/contracts';

import { AuthConfig } from '../config/auth.config';
import { TokenIssuer } from '../tokens/token-issuer.service';
import { AccessTokenInspector } from './access-token-inspector';
import {
  InvalidOAuthRequestError,
  InvalidScopeError,
  InvalidTargetError,
  OAuthInvalidGrantError,
  UnauthorizedClientError,
} from './oauth.errors';
import type { ServiceClient } from './service-clients.service';
import { TokenExchangeMetrics } from './token-exchange.metrics';

/** RFC 8693 §2.1 parameters, as the token endpoint received them. */
export interface TokenExchangeParams {
  subject_token?: string;
  subject_token_type?: string;
  audience?: string;
  scope?: string;
  requested_token_type?: string;
  actor_token?: string;
}

/** RFC 8693 §2.2.1. */
export interface ExchangedTokenResponse {
  access_token: string;
  issued_token_type: typeof ACCESS_TOKEN_TYPE;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

const SCOPE_PARAM = /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/;

/**
 * RFC 8693 token exchange, for a service acting for a user towards one other service (profile
 * asking orders for the user's summary): the user's access token is never forwarded. The
 * calling service authenticates as its confidential client and must be listed in
 * TOKEN_EXCHANGE_CLIENTS; the subject token must be a current user token (signed here, not
 * expired, not revoked) that was issued for that client's service; the issued token is for the
 * one `audience`, with scopes within the client's exchange scopes for that audience and within
 * the user's own, and `act.sub` naming the client. Exchanging an exchanged token (a chain of
 * actors) is refused: one hop is all Tessera needs, and refusing keeps every `act` one level deep.
 */
@Injectable()
export class TokenExchangeService {
  /** Client id → the scopes it may put in an exchanged token. */
  private readonly allowed: ReadonlyMap<string, readonly string[]>;

  constructor(
    config: AuthConfig,
    private readonly inspector: AccessTokenInspector,
    private readonly tokens: TokenIssuer,
    private readonly metrics: TokenExchangeMetrics,
  ) {
    this.allowed = new Map(config.tokenExchangeClients.map((c) => [c.id, c.scopes]));
  }

  async exchange(client: ServiceClient, params: TokenExchangeParams): Promise<ExchangedTokenResponse> {
    if (params.subject_token === undefined) {
      throw new InvalidOAuthRequestError('subject_token is required.');
    }
    if (params.subject_token_type === undefined) {
      throw new InvalidOAuthRequestError('subject_token_type is required.');
    }
    if (params.subject_token_type !== ACCESS_TOKEN_TYPE) {
      throw new InvalidOAuthRequestError(`subject_token_type must be ${ACCESS_TOKEN_TYPE}.`);
    }
    if (params.requested_token_type !== undefined && params.requested_token_type !== ACCESS_TOKEN_TYPE) {
      throw new InvalidOAuthRequestError(`requested_token_type must be ${ACCESS_TOKEN_TYPE}.`);
    }
    if (params.actor_token !== undefined) {
      // The actor is the authenticated client itself; a separate actor token is not supported.
      throw new InvalidOAuthRequestError('actor_token is not supported: the authenticated client is the actor.');
    }
    if (params.audience === undefined) {
      throw new InvalidOAuthRequestError('audience is required: the one service the token is for.');
    }
    const clientScopes = this.allowed.get(client.id);
    if (!clientScopes) {
      throw new UnauthorizedClientError();
    }
    const audienceScopes = clientScopes.filter((scope) => scope.split(':')[0] === params.audience);
    if (audienceScopes.length === 0) {
      throw new InvalidTargetError();
    }

    const subject = await this.inspector.active(params.subject_token);
    if (!subject) {
      throw new OAuthInvalidGrantError('The subject token is invalid, expired or revoked.');
    }
    const { principal, claims } = subject;
    // Active within the clock tolerance yet past its exp: nothing is left to exchange it for.
    if (principal.exp <= Math.floor(Date.now() / 1000)) {
      throw new OAuthInvalidGrantError('The subject token is invalid, expired or revoked.');
    }
    if (claims.act !== undefined) {
      throw new OAuthInvalidGrantError('The subject token is itself an exchanged token; it cannot be exchanged again.');
    }
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    // A user token, presented to this client's service: a service token is no user's, and a
    // token the user never sent to this service is not one it may act on.
    if (principal.sub.startsWith('client:') || !aud.includes(client.id)) {
      throw new OAuthInvalidGrantError('The subject token is not a user token issued for this client.');
    }
    const userScopes =
      // A user token issued before user tokens carried the scopes of their roles has none: its roles decide.
      principal.scopes.length > 0 ? principal.scopes : scopesForRoles(principal.roles);
    const grantable = audienceScopes.filter((scope) => userScopes.includes(scope));
    const scopes = this.narrow(grantable, params.scope);

    const issued = await this.tokens.issueExchangedToken({
      sub: principal.sub,
      audience: params.audience,
      scopes,
      clientId: client.id,
      notAfter: principal.exp,
    });
    this.metrics.issuedTo(client.id);
    return {
      access_token: issued.token,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: 'Bearer',
      expires_in: issued.expiresIn,
      scope: scopes.join(' '),
    };
  }

  /** The requested scopes when all are grantable; omitted, every grantable one. */
  private narrow(grantable: readonly string[], requested: string | undefined): string[] {
    if (requested === undefined) {
      if (grantable.length === 0) {
        throw new InvalidScopeError();
      }
      return [...grantable];
    }
    if (!SCOPE_PARAM.test(requested)) {
      throw new InvalidScopeError('scope must be space-separated scope names.');
    }
    const scopes = [...new Set(requested.split(' '))];
    if (!scopes.every((scope) => grantable.includes(scope))) {
      throw new InvalidScopeError();
    }
    return scopes;
  }
}
