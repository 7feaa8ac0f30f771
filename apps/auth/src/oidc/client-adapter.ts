import { randomBytes } from 'node:crypto';

import { CONSOLE_CLIENT_ID, SCOPES } from '@tessera/contracts';

import { OIDC_SCOPES } from '../clients/client-metadata';
import type { RegisteredClient } from '../clients/oauth-clients.service';
import { type OAuthClientsService } from '../clients/oauth-clients.service';

const OIDC_SCOPE_SET: ReadonlySet<string> = new Set(OIDC_SCOPES);

/**
 * Stands in for a confidential client's secret in the metadata the provider reads, which insists
 * on one. It never matches anything: secrets are stored hashed, so the provider's comparison is
 * replaced by OAuthClientsService.authenticate (see OpenIdProvider).
 */
const UNUSABLE_SECRET = randomBytes(32).toString('base64url');

/**
 * A private-use scheme (`com.example.app:/callback`) is a native application's (RFC 8252 §7.1),
 * which oidc-provider accepts only as such; http(s) redirect URIs, the development loopback ones
 * included, are a web application's. Not native for loopback: oidc-provider would then match a
 * loopback redirect URI on any port (RFC 8252 §7.3), where Tessera matches it exactly, port
 * included, and it would ask every user for consent on every sign-in, first-party or not
 * (its native_client_prompt check), which also makes prompt=none fail.
 */
function applicationType(redirectUris: readonly string[]): 'web' | 'native' {
  return redirectUris.some((uri) => !new URL(uri).protocol.startsWith('http')) ? 'native' : 'web';
}

/** The metadata oidc-provider reads for a registered client. */
export function providerMetadata(client: RegisteredClient): Record<string, unknown> {
  const confidential = client.token_endpoint_auth_method !== 'none';
  return {
    client_id: client.client_id,
    client_name: client.client_name,
    application_type: applicationType(client.redirect_uris),
    redirect_uris: client.redirect_uris,
    post_logout_redirect_uris: client.post_logout_redirect_uris,
    // The provider runs the code grant only; Tessera's token endpoint runs the refresh grant.
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: client.token_endpoint_auth_method,
    ...(confidential ? { client_secret: UNUSABLE_SECRET } : {}),
    // The provider knows the OpenID scopes; the services' scopes are the resource server's,
    // limited per client in getResourceServerInfo.
    scope: client.scope
      .split(' ')
      .filter((s) => OIDC_SCOPE_SET.has(s))
      .join(' '),
    tessera_api_scopes: client.scope
      .split(' ')
      .filter((s) => !OIDC_SCOPE_SET.has(s))
      .join(' '),
    ...(client.jwks ? { jwks: client.jwks } : {}),
    ...(client.id_token_encrypted_response_alg
      ? {
          id_token_encrypted_response_alg: client.id_token_encrypted_response_alg,
          id_token_encrypted_response_enc: client.id_token_encrypted_response_enc ?? 'A256GCM',
        }
      : {}),
    first_party: client.first_party,
    // Whether Tessera hands it a refresh token with its code (the grant is Tessera's, see above).
    tessera_refresh_grant: client.grant_types.includes('refresh_token'),
  };
}

/** Where the console receives its code, under its public URL. */
export function consoleRedirectUri(webUrl: string): string {
  return `${webUrl}/callback`;
}

/**
 * The web console as the provider knows it (PUBLIC_WEB_URL): a public first-party client with
 * PKCE, every scope of the services, no consent screen. Its refresh token is the HttpOnly
 * cookie, never a body member (OidcTokens).
 */
export function consoleClientMetadata(webUrl: string): Record<string, unknown> {
  const redirectUris = [consoleRedirectUri(webUrl)];
  return {
    client_id: CONSOLE_CLIENT_ID,
    client_name: 'Tessera console',
    application_type: applicationType(redirectUris),
    redirect_uris: redirectUris,
    post_logout_redirect_uris: [`${webUrl}/`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    scope: 'openid profile email',
    tessera_api_scopes: SCOPES.join(' '),
    first_party: true,
  };
}

/** The provider's `Client` storage: read-only, from the registry (`/admin/clients`). */
export class ClientAdapter {
  constructor(private readonly clients: OAuthClientsService) {}

  async find(id: string): Promise<Record<string, unknown> | undefined> {
    const client = await this.clients.find(id);
    return client ? providerMetadata(client) : undefined;
  }

  upsert(): Promise<void> {
    return Promise.reject(new Error('clients are registered through /admin/clients'));
  }

  destroy(): Promise<void> {
    return Promise.reject(new Error('clients are removed through /admin/clients'));
  }

  findByUid(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  findByUserCode(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  consume(): Promise<void> {
    return Promise.resolve();
  }

  revokeByGrantId(): Promise<void> {
    return Promise.resolve();
  }
}
