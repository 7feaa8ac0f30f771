import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import type { ClientGrantType, TokenEndpointAuthMethod } from '../client-metadata';
import { CLIENT_GRANT_TYPES, CLIENT_ID_PATTERN, TOKEN_ENDPOINT_AUTH_METHODS } from '../client-metadata';
import type { ClientRegistrationErrorBody } from '../client-metadata-error.filter';
import { ClientRegistrationErrorCode } from '../clients.errors';
import { ID_TOKEN_ENCRYPTION_ALGS, ID_TOKEN_ENCRYPTION_ENCS } from '../encryption-keys';
import type { ClientRegistration, RegisteredClient } from '../oauth-clients.service';

/** A registered client as `GET /admin/clients` shows it: its metadata, never a secret nor its hash. */
export class RegisteredClientDto implements RegisteredClient {
  @ApiProperty({ pattern: CLIENT_ID_PATTERN.source, example: '3f2a9c0e5b7d41e8a6c1d0f9b8e7a6c5' })
  client_id!: string;

  @ApiProperty({ type: 'integer', description: 'When it was registered, in seconds since the epoch.' })
  client_id_issued_at!: number;

  @ApiProperty({ example: 'Retirement planner' })
  client_name!: string;

  @ApiProperty({ type: [String], example: ['https://planner.example.com/callback'] })
  redirect_uris!: string[];

  @ApiProperty({ type: [String] })
  post_logout_redirect_uris!: string[];

  @ApiProperty({ type: 'array', items: { type: 'string', enum: [...CLIENT_GRANT_TYPES] } })
  grant_types!: ClientGrantType[];

  @ApiProperty({ type: [String], example: ['code'] })
  response_types!: string[];

  @ApiProperty({ enum: [...TOKEN_ENDPOINT_AUTH_METHODS], description: '`none`: a public client.' })
  token_endpoint_auth_method!: TokenEndpointAuthMethod;

  @ApiProperty({ example: 'openid profile email' })
  scope!: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Public encryption keys only.' })
  jwks?: { keys: Record<string, unknown>[] };

  @ApiPropertyOptional({ enum: [...ID_TOKEN_ENCRYPTION_ALGS] })
  id_token_encrypted_response_alg?: RegisteredClient['id_token_encrypted_response_alg'];

  @ApiPropertyOptional({ enum: [...ID_TOKEN_ENCRYPTION_ENCS] })
  id_token_encrypted_response_enc?: string;

  @ApiProperty({ description: 'First-party: no consent screen.' })
  first_party!: boolean;
}

/** The RFC 7591 §3.2.1 registration answer: a confidential client's secret is in it, and only here. */
export class ClientRegistrationDto extends RegisteredClientDto implements ClientRegistration {
  @ApiPropertyOptional({
    description: 'A confidential client only: 256 random bits, base64url. Shown this once; only its SHA-256 is stored.',
  })
  client_secret?: string;

  @ApiPropertyOptional({ type: 'integer', enum: [0], description: 'With `client_secret`: 0, it does not expire.' })
  client_secret_expires_at?: number;
}

/** RFC 7591 §3.2.2 error body (not problem+json), which registration clients read. */
export class ClientRegistrationErrorDto implements ClientRegistrationErrorBody {
  @ApiProperty({ enum: Object.values(ClientRegistrationErrorCode) })
  error!: string;

  @ApiProperty({
    example: 'redirect_uris[0] must use https (http is accepted for a loopback address in development only).',
  })
  error_description!: string;
}
