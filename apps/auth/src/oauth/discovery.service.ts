import { Injectable } from '@nestjs/common';
import { SCOPES, TOKEN_EXCHANGE_GRANT } from '@tessera/contracts';

import { OIDC_SCOPES } from '../clients/client-metadata';
import { ID_TOKEN_ENCRYPTION_ALGS, ID_TOKEN_ENCRYPTION_ENCS } from '../clients/encryption-keys';
import { AuthConfig } from '../config/auth.config';
import { ACR_MFA, ACR_PASSWORD, supportedClaims } from '../oidc/oidc-routes';
import { KeyService } from '../keys/key.service';
import { ServiceClientsService } from './service-clients.service';

/**
 * Authorization server metadata (RFC 8414 §2) and OpenID Provider metadata (OpenID Connect
 * Discovery 1.0 §3): one document at both well-known paths. In HS256 mode there is no OpenID
 * Provider (an ID token must be verifiable with a published key), so its members are left out.
 */
export interface DiscoveryDocument {
  issuer: string;
  jwks_uri: string;
  token_endpoint: string;
  revocation_endpoint: string;
  introspection_endpoint: string;
  authorization_endpoint?: string;
  userinfo_endpoint?: string;
  end_session_endpoint?: string;
  /** `code` only: the implicit and hybrid flows are not offered (RFC 9700 §2.1.2). */
  response_types_supported: string[];
  response_modes_supported?: string[];
  grant_types_supported: string[];
  code_challenge_methods_supported?: string[];
  token_endpoint_auth_methods_supported: string[];
  revocation_endpoint_auth_methods_supported: string[];
  /** Only an authenticated client may introspect (RFC 7662 §4). */
  introspection_endpoint_auth_methods_supported: string[];
  /** Non-standard, but what a resource server wants to know: how access tokens are signed. */
  access_token_signing_alg_values_supported: string[];
  id_token_signing_alg_values_supported?: string[];
  id_token_encryption_alg_values_supported?: string[];
  id_token_encryption_enc_values_supported?: string[];
  subject_types_supported?: string[];
  acr_values_supported?: string[];
  claims_supported?: string[];
  prompt_values_supported?: string[];
  authorization_response_iss_parameter_supported?: boolean;
  claims_parameter_supported?: boolean;
  request_parameter_supported?: boolean;
  request_uri_parameter_supported?: boolean;
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
    const algorithms = this.keys.sharedSecretMode ? ['HS256'] : [...new Set(this.keys.jwks().keys.map((k) => k.alg))];
    const oauth: DiscoveryDocument = {
      issuer,
      jwks_uri: `${base}/.well-known/jwks.json`,
      token_endpoint: `${base}/oauth/token`,
      revocation_endpoint: `${base}/oauth/revoke`,
      introspection_endpoint: `${base}/oauth/introspect`,
      response_types_supported: [],
      grant_types_supported: ['client_credentials', 'refresh_token', TOKEN_EXCHANGE_GRANT],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      // A public client revokes its own tokens without authenticating.
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      // The algorithms of the published keys: what a token may be signed with right now.
      access_token_signing_alg_values_supported: algorithms,
      scopes_supported: this.clients.allScopes(),
    };
    if (this.keys.sharedSecretMode) {
      return oauth;
    }
    return {
      ...oauth,
      authorization_endpoint: `${base}/oauth/authorize`,
      userinfo_endpoint: `${base}/oauth/userinfo`,
      end_session_endpoint: `${base}/oauth/logout`,
      response_types_supported: ['code'],
      response_modes_supported: ['query', 'form_post'],
      grant_types_supported: ['authorization_code', ...oauth.grant_types_supported],
      code_challenge_methods_supported: ['S256'],
      id_token_signing_alg_values_supported: [this.keys.signingKey().alg],
      id_token_encryption_alg_values_supported: [...ID_TOKEN_ENCRYPTION_ALGS],
      id_token_encryption_enc_values_supported: [...ID_TOKEN_ENCRYPTION_ENCS],
      subject_types_supported: ['public'],
      acr_values_supported: [ACR_PASSWORD, ACR_MFA],
      claims_supported: supportedClaims(),
      prompt_values_supported: ['none', 'login', 'consent'],
      authorization_response_iss_parameter_supported: true,
      claims_parameter_supported: false,
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
      // What a relying party may be registered for: the OpenID scopes and every service scope.
      scopes_supported: [...new Set([...OIDC_SCOPES, ...SCOPES])],
    };
  }
}
