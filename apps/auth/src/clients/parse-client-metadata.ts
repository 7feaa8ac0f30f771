import { plainToInstance } from 'class-transformer';
import type { ValidationError } from 'class-validator';
import { validate } from 'class-validator';

import type { ClientGrantType, ClientMetadata, TokenEndpointAuthMethod } from './client-metadata';
import { CLIENT_GRANT_TYPES, CLIENT_RESPONSE_TYPES, registrableScopes, UNSUPPORTED_METADATA } from './client-metadata';
import { ClientMetadataError, ClientRegistrationErrorCode } from './clients.errors';
import { ClientMetadataDto } from './dto/client-metadata.dto';
import { checkEncryptionKeys } from './encryption-keys';
import type { RedirectUriPolicy } from './redirect-uri';
import { redirectUriProblem } from './redirect-uri';

const invalidMetadata = (message: string) =>
  new ClientMetadataError(ClientRegistrationErrorCode.InvalidClientMetadata, message);
const invalidRedirectUri = (message: string) =>
  new ClientMetadataError(ClientRegistrationErrorCode.InvalidRedirectUri, message);

/** RFC 6749 §3.3 scope tokens, space-separated. */
const SCOPE_PARAM = /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/;

const REDIRECT_MEMBERS = new Set(['redirect_uris', 'post_logout_redirect_uris']);

function describe(errors: ValidationError[]): { message: string; redirect: boolean } {
  const first = errors[0];
  const messages = errors.flatMap((e) => Object.values(e.constraints ?? {}));
  return { message: `${messages.join('; ')}.`, redirect: first !== undefined && REDIRECT_MEMBERS.has(first.property) };
}

function uniqueStrings(values: unknown[], member: string): string[] {
  if (!values.every((v): v is string => typeof v === 'string')) {
    throw member.endsWith('redirect_uris')
      ? invalidRedirectUri(`each of ${member} must be a string.`)
      : invalidMetadata(`each of ${member} must be a string.`);
  }
  if (new Set(values).size !== values.length) {
    throw member.endsWith('redirect_uris')
      ? invalidRedirectUri(`${member} must not repeat a value.`)
      : invalidMetadata(`${member} must not repeat a value.`);
  }
  return values;
}

function redirectUris(values: unknown[] | undefined, member: string, policy: RedirectUriPolicy): string[] {
  const uris = uniqueStrings(values ?? [], member);
  for (const [i, uri] of uris.entries()) {
    const problem = redirectUriProblem(uri, policy);
    if (problem) {
      throw invalidRedirectUri(`${member}[${i}] ${problem}.`);
    }
  }
  return uris;
}

/**
 * Validates RFC 7591 client metadata as `POST /admin/clients` and `clients add` receive it, and
 * returns it as it is registered, defaults filled in (RFC 7591 §2: `authorization_code`,
 * `code`, `client_secret_basic`; `openid` for the scope). Throws ClientMetadataError with
 * `invalid_redirect_uri` for any problem of a redirect URI and `invalid_client_metadata` for
 * everything else (RFC 7591 §3.2.2). Unknown members are dropped (RFC 7591 §2).
 */
export async function parseClientMetadata(input: unknown, policy: RedirectUriPolicy): Promise<ClientMetadata> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalidMetadata('The client metadata must be a JSON object.');
  }
  const unsupported = UNSUPPORTED_METADATA.find((member) => member in input);
  if (unsupported) {
    throw invalidMetadata(`${unsupported} is not supported by this server.`);
  }
  const dto = plainToInstance(ClientMetadataDto, input, { excludeExtraneousValues: false });
  const errors = await validate(dto, {
    whitelist: true,
    forbidNonWhitelisted: false,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
  });
  if (errors.length > 0) {
    const { message, redirect } = describe(errors);
    throw redirect ? invalidRedirectUri(message) : invalidMetadata(message);
  }

  const grants = uniqueStrings(dto.grant_types ?? ['authorization_code'], 'grant_types');
  if (grants.includes('client_credentials')) {
    throw invalidMetadata('client_credentials is for service clients: declare them in SERVICE_CLIENTS.');
  }
  const unknownGrant = grants.find((g) => !(CLIENT_GRANT_TYPES as readonly string[]).includes(g));
  if (unknownGrant !== undefined) {
    throw invalidMetadata(`grant_types may only hold ${CLIENT_GRANT_TYPES.join(', ')}.`);
  }
  const grantTypes = grants as ClientGrantType[];
  // Refresh tokens come only from the code grant here: a client without it would never get one.
  if (!grantTypes.includes('authorization_code')) {
    throw invalidMetadata('grant_types must include authorization_code.');
  }

  const responseTypes = uniqueStrings(dto.response_types ?? ['code'], 'response_types');
  if (!responseTypes.every((r) => (CLIENT_RESPONSE_TYPES as readonly string[]).includes(r))) {
    throw invalidMetadata('response_types may only hold "code": the implicit and hybrid flows are not offered.');
  }

  const redirect = redirectUris(dto.redirect_uris, 'redirect_uris', policy);
  if (redirect.length === 0) {
    throw invalidRedirectUri('redirect_uris is required with the authorization_code grant.');
  }
  const postLogout = redirectUris(dto.post_logout_redirect_uris, 'post_logout_redirect_uris', policy);

  const scope = dto.scope ?? 'openid';
  if (!SCOPE_PARAM.test(scope)) {
    throw invalidMetadata('scope must be space-separated scope names.');
  }
  const scopes = scope.split(' ');
  if (new Set(scopes).size !== scopes.length) {
    throw invalidMetadata('scope must not repeat a value.');
  }
  const known = registrableScopes();
  const unknownScope = scopes.find((s) => !known.includes(s));
  if (unknownScope !== undefined) {
    throw invalidMetadata(`scope may only hold: ${known.join(', ')}.`);
  }

  const metadata: ClientMetadata = {
    client_name: dto.client_name,
    redirect_uris: redirect,
    post_logout_redirect_uris: postLogout,
    grant_types: grantTypes,
    response_types: responseTypes,
    token_endpoint_auth_method: (dto.token_endpoint_auth_method ?? 'client_secret_basic') as TokenEndpointAuthMethod,
    scope,
    first_party: dto.first_party ?? false,
  };

  const alg = dto.id_token_encrypted_response_alg;
  if (dto.id_token_encrypted_response_enc !== undefined && alg === undefined) {
    throw invalidMetadata('id_token_encrypted_response_enc needs id_token_encrypted_response_alg.');
  }
  if (dto.jwks !== undefined) {
    const keys = await checkEncryptionKeys(dto.jwks);
    if (typeof keys === 'string') {
      throw invalidMetadata(`${keys}.`);
    }
    if (alg !== undefined && !keys.some((k) => k.alg === alg)) {
      throw invalidMetadata(`jwks must hold a public key for ${alg}.`);
    }
    metadata.jwks = { keys: keys.map((k) => ({ ...k.jwk })) };
  } else if (alg !== undefined) {
    throw invalidMetadata('id_token_encrypted_response_alg needs jwks with a public encryption key.');
  }
  if (alg !== undefined) {
    metadata.id_token_encrypted_response_alg = alg as ClientMetadata['id_token_encrypted_response_alg'];
    metadata.id_token_encrypted_response_enc = dto.id_token_encrypted_response_enc ?? 'A256GCM';
  }
  return metadata;
}
