import { OPENID_SCOPES, SCOPES } from '@tessera/contracts';

import type { IdTokenEncryptionAlg } from './encryption-keys';

export const CLIENT_NAME_MAX_LENGTH = 100;
export const REDIRECT_URIS_MAX = 10;
export const SCOPE_MAX_LENGTH = 1000;

/** A client id as the registry issues it: 128 random bits in lowercase hex. */
export const CLIENT_ID_PATTERN = /^[0-9a-f]{32}$/;

/** The grants a registered client may use; client_credentials belongs to SERVICE_CLIENTS. */
export const CLIENT_GRANT_TYPES = ['authorization_code', 'refresh_token'] as const;
export type ClientGrantType = (typeof CLIENT_GRANT_TYPES)[number];

/** The code flow only: the implicit and hybrid flows put tokens in the front channel (RFC 9700 §2.1.2). */
export const CLIENT_RESPONSE_TYPES = ['code'] as const;

export const TOKEN_ENDPOINT_AUTH_METHODS = ['none', 'client_secret_basic', 'client_secret_post'] as const;
export type TokenEndpointAuthMethod = (typeof TOKEN_ENDPOINT_AUTH_METHODS)[number];

/** The OpenID Connect scopes (Core §5.4, §11); OPENID_SCOPES in @tessera/contracts. */
export const OIDC_SCOPES = OPENID_SCOPES;

/** Every scope a client may be registered with. */
export function registrableScopes(): string[] {
  return [...OIDC_SCOPES, ...SCOPES];
}

/**
 * Known metadata this provider does not implement (RFC 7591 §2, OpenID Connect Registration
 * §2). Unknown members are ignored as RFC 7591 asks, but these are refused: a client that sent
 * one relies on it (keys fetched from a URL, encrypted userinfo, signed requests), and
 * registering it without would give it less protection than it asked for.
 */
export const UNSUPPORTED_METADATA = [
  'jwks_uri',
  'software_statement',
  'sector_identifier_uri',
  'id_token_signed_response_alg',
  'userinfo_signed_response_alg',
  'userinfo_encrypted_response_alg',
  'userinfo_encrypted_response_enc',
  'request_object_signing_alg',
  'request_object_encryption_alg',
  'request_object_encryption_enc',
  'request_uris',
  'token_endpoint_auth_signing_alg',
  'tls_client_auth_subject_dn',
] as const;

/** A client's metadata as registered and as the provider reads it: RFC 7591 names, defaults filled in. */
export interface ClientMetadata {
  client_name: string;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  grant_types: ClientGrantType[];
  response_types: string[];
  token_endpoint_auth_method: TokenEndpointAuthMethod;
  scope: string;
  jwks?: { keys: Record<string, unknown>[] };
  id_token_encrypted_response_alg?: IdTokenEncryptionAlg;
  id_token_encrypted_response_enc?: string;
  first_party: boolean;
}
