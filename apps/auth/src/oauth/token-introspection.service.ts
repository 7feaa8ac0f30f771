import { Injectable } from '@nestjs/common';

import { OAuthClientsService } from '../clients/oauth-clients.service';
import { AccessTokenInspector } from './access-token-inspector';
import type { PresentedClient } from './client-authentication';
import type { IntrospectionRequestDto } from './dto/introspection-request.dto';
import type { IntrospectionDto } from './dto/introspection.response';
import { InvalidClientError, InvalidOAuthRequestError } from './oauth.errors';
import { ServiceClientsService } from './service-clients.service';

const INACTIVE: IntrospectionDto = Object.freeze({ active: false });

const asStrings = (value: unknown): string[] | undefined =>
  typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v) => typeof v === 'string') : undefined;
const asNumber = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/**
 * RFC 7662 token introspection, for a resource server that cannot verify JWTs itself (an API
 * gateway, a service in another language). Only an authenticated confidential client may ask: a
 * service client, or a relying party registered with a secret (§2.1, §4: otherwise the endpoint
 * would tell anyone whether a stolen token still works; a public client proves nothing). The
 * answer follows the one verification policy of @tessera/auth, revocation included; a refresh
 * token is never described (it is no bearer credential to a resource server).
 */
@Injectable()
export class TokenIntrospectionService {
  constructor(
    private readonly clients: ServiceClientsService,
    private readonly inspector: AccessTokenInspector,
    private readonly registry: OAuthClientsService,
  ) {}

  async introspect(params: IntrospectionRequestDto, presented: PresentedClient | undefined): Promise<IntrospectionDto> {
    if (!presented || !(await this.authenticated(presented))) {
      throw new InvalidClientError();
    }
    if (params.token === undefined) {
      throw new InvalidOAuthRequestError('token is required.');
    }
    const active = await this.inspector.active(params.token);
    if (!active) {
      return INACTIVE;
    }
    const { principal, claims } = active;
    const answer: IntrospectionDto = {
      active: true,
      scope: principal.scopes.join(' '),
      token_type: 'Bearer',
      exp: principal.exp,
      iat: asNumber(claims.iat),
      nbf: asNumber(claims.nbf),
      sub: principal.sub,
      aud: asStrings(claims.aud),
      iss: typeof claims.iss === 'string' ? claims.iss : undefined,
      jti: principal.jti,
      roles: [...principal.roles],
    };
    const clientId = principal.clientId ?? (typeof claims.client_id === 'string' ? claims.client_id : undefined);
    if (clientId !== undefined) {
      answer.client_id = clientId;
    }
    return Object.fromEntries(Object.entries(answer).filter(([, v]) => v !== undefined)) as IntrospectionDto;
  }

  private async authenticated(presented: PresentedClient): Promise<boolean> {
    return (
      this.clients.authenticate(presented.clientId, presented.clientSecret) !== undefined ||
      (await this.registry.authenticate(presented.clientId, presented.clientSecret))
    );
  }
}
