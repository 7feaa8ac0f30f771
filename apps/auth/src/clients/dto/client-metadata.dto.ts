import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptionalNotNull } from '@tessera/contracts';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsObject,
  IsString,
  Length,
  Matches,
  MaxLength,
} from 'class-validator';

import {
  CLIENT_GRANT_TYPES,
  CLIENT_NAME_MAX_LENGTH,
  CLIENT_RESPONSE_TYPES,
  REDIRECT_URIS_MAX,
  SCOPE_MAX_LENGTH,
  TOKEN_ENDPOINT_AUTH_METHODS,
} from '../client-metadata';
import { ID_TOKEN_ENCRYPTION_ALGS, ID_TOKEN_ENCRYPTION_ENCS } from '../encryption-keys';
import { REDIRECT_URI_MAX_LENGTH } from '../redirect-uri';

const redirectUris = {
  type: 'array',
  items: { type: 'string', format: 'uri', maxLength: REDIRECT_URI_MAX_LENGTH },
  maxItems: REDIRECT_URIS_MAX,
  uniqueItems: true,
} as const;

/**
 * `POST /admin/clients`: RFC 7591 §2 client metadata, plus `first_party`. Members this server
 * does not know are ignored (RFC 7591 §2); known ones are checked strictly for type and size
 * here, then for consistency in client-metadata.ts. Every member may be omitted but
 * `client_name`; null counts as a wrong type.
 */
export class ClientMetadataDto {
  @ApiProperty({ minLength: 1, maxLength: CLIENT_NAME_MAX_LENGTH, example: 'Retirement planner' })
  @IsString()
  @Length(1, CLIENT_NAME_MAX_LENGTH)
  // No control characters: the name is shown on the consent screen and in the audit trail.
  @Matches(/^[^\p{Cc}]+$/u, { message: 'client_name must not contain control characters' })
  client_name!: string;

  @ApiPropertyOptional({
    ...redirectUris,
    minItems: 1,
    example: ['https://planner.example.com/callback'],
    description:
      'Matched exactly, port included. https; http only for 127.0.0.1, [::1] or localhost in development; a reverse-domain private-use scheme for native apps. No fragment, wildcard or userinfo. Required with the `authorization_code` grant.',
  })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(REDIRECT_URIS_MAX)
  redirect_uris?: unknown[];

  @ApiPropertyOptional({ ...redirectUris, description: 'Where RP-initiated logout may return; the same rules.' })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(REDIRECT_URIS_MAX)
  post_logout_redirect_uris?: unknown[];

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', enum: [...CLIENT_GRANT_TYPES] },
    uniqueItems: true,
    default: ['authorization_code'],
    description: '`client_credentials` is for service clients, declared in SERVICE_CLIENTS, not registered here.',
  })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(CLIENT_GRANT_TYPES.length + 1)
  @IsString({ each: true })
  grant_types?: string[];

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', enum: [...CLIENT_RESPONSE_TYPES] },
    default: ['code'],
    description: 'Only the code flow; the implicit and hybrid flows are refused.',
  })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(CLIENT_RESPONSE_TYPES.length + 1)
  @IsString({ each: true })
  response_types?: string[];

  @ApiPropertyOptional({
    enum: [...TOKEN_ENDPOINT_AUTH_METHODS],
    default: 'client_secret_basic',
    description: '`none` registers a public client (no secret; PKCE protects its codes).',
  })
  @IsOptionalNotNull()
  @IsIn(TOKEN_ENDPOINT_AUTH_METHODS)
  token_endpoint_auth_method?: string;

  @ApiPropertyOptional({
    maxLength: SCOPE_MAX_LENGTH,
    default: 'openid',
    example: 'openid profile email offline_access',
    description: 'Space-separated: openid, profile, email, offline_access and the `<service>:<permission>` scopes.',
  })
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(SCOPE_MAX_LENGTH)
  scope?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'The public encryption keys ID tokens are encrypted to, as a JWK Set; never a private key.',
  })
  @IsOptionalNotNull()
  @IsObject()
  jwks?: Record<string, unknown>;

  @ApiPropertyOptional({ enum: [...ID_TOKEN_ENCRYPTION_ALGS], description: 'Encrypt ID tokens to a key in `jwks`.' })
  @IsOptionalNotNull()
  @IsIn(ID_TOKEN_ENCRYPTION_ALGS)
  id_token_encrypted_response_alg?: string;

  @ApiPropertyOptional({
    enum: [...ID_TOKEN_ENCRYPTION_ENCS],
    description: 'With `id_token_encrypted_response_alg`; A256GCM when omitted.',
  })
  @IsOptionalNotNull()
  @IsIn(ID_TOKEN_ENCRYPTION_ENCS)
  id_token_encrypted_response_enc?: string;

  @ApiPropertyOptional({ default: false, description: 'A first-party application: no consent screen.' })
  @IsOptionalNotNull()
  @IsBoolean()
  first_party?: boolean;
}
