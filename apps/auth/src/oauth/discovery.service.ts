import { Injectable } from '@nestjs/common';
import { TOKEN_EXCHANGE_GRANT } from '@tessera/contracts';

import { AuthConfig } from '../config/auth.config';
import { KeyService } from '../keys/key.service';
import { ServiceClientsService } from './service-clients.service';

/** Authorization server metadata (RFC 8414 §2). Not yet an OpenID provider: no ID tokens, no userinfo. */
export interface DiscoveryDocument {
  issuer: string;
  jwks_uri: string;
  token_endpoint: string;
  revocation_endpoint: string;
  introspection_endpoint: string;
  /**
   * Required by RFC 8414 §2 and OpenID Connect Discovery. Empty: there is no authorization
   * endpoint, so no response type is supported (clients use the token endpoint's grants).
   */
  response_types_supported: string[];
  grant_types_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  revocation_endpoint_auth_methods_supported: string[];
  /** Only an authenticated service client may introspect (RFC 7662 §4). */
  introspection_endpoint_auth_methods_supported: string[];
  /** Non-standard, but what a resource server wants to know: how access tokens are signed. */
  access_token_signing_alg_values_supported: string[];
  scopes_supported: string[];
}

@Injectable()
export class DiscoveryService {
  constructor(
    private readonly config: AuthConfig,
    private readonly keys: KeyService,
    private readonly clients: ServiceClientsService,
  ) {}

  document(): DiscoveryDocument {
    const issuer = this.config.AUTH_ISSUER;
    const base = issuer.replace(/\/+$/, '');
    return {
      issuer,
      jwks_uri: `${base}/.well-known/jwks.json`,
      token_endpoint: `${base}/oauth/token`,
      revocation_endpoint: `${base}/oauth/revoke`,
      introspection_endpoint: `${base}/oauth/introspect`,
      response_types_supported: [],
      grant_types_supported: ['client_credentials', 'refresh_token', TOKEN_EXCHANGE_GRANT],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      // The first-party client revokes its own tokens without authenticating.
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      // The algorithms of the published keys: what a token may be signed with right now.
      access_token_signing_alg_values_supported: this.keys.sharedSecretMode
        ? ['HS256']
        : [...new Set(this.keys.jwks().keys.map((k) => k.alg))],
      scopes_supported: this.clients.allScopes(),
    };
  }
}
