import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ACCESS_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT } from '@tessera/contracts';
import { IsOptional, IsString, MaxLength } from 'class-validator';

import { SERVICE_CLIENT_SECRET_MAX_LENGTH } from '../../config/service-clients';

/**
 * `POST /oauth/token` (RFC 6749 §4.4.2 and §6), form-encoded or JSON. Every parameter is
 * optional here: which ones a grant needs is the grant's business, and a missing one is an
 * `invalid_request` rather than a validation error. Parameters not declared here are ignored
 * (RFC 6749 §3.2), see OAuthParams.
 */
export class TokenRequestDto {
  // Required by RFC 6749, though missing it is an `invalid_request`, not a validation error.
  @ApiProperty({
    enum: ['client_credentials', 'refresh_token', TOKEN_EXCHANGE_GRANT],
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  grant_type?: string;

  @ApiPropertyOptional({
    maxLength: 1024,
    example: 'profile:read',
    description: "client_credentials: space-separated scopes, a subset of the client's; omitted, all of them.",
  })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  scope?: string;

  @ApiPropertyOptional({ maxLength: 256, description: 'refresh_token grant: the refresh token to rotate.' })
  @IsOptional()
  @IsString()
  // Generous next to the 43 characters issued; anything longer is refused before hashing.
  @MaxLength(256)
  refresh_token?: string;

  @ApiPropertyOptional({ description: "token exchange (RFC 8693): the user's access token to act on." })
  @IsOptional()
  @IsString()
  // A JWT of ours is a few hundred characters; anything far longer is refused before parsing.
  @MaxLength(8192)
  subject_token?: string;

  @ApiPropertyOptional({
    enum: [ACCESS_TOKEN_TYPE],
    description: 'token exchange: the type of subject_token; only an access token.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  subject_token_type?: string;

  @ApiPropertyOptional({
    enum: [ACCESS_TOKEN_TYPE],
    description: 'token exchange: optional; only an access token is issued.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  requested_token_type?: string;

  @ApiPropertyOptional({
    maxLength: 64,
    example: 'orders',
    description: 'token exchange: the one service the token is for.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  audience?: string;

  @ApiPropertyOptional({ description: 'token exchange: not supported (the authenticated client is the actor).' })
  @IsOptional()
  @IsString()
  @MaxLength(8192)
  actor_token?: string;

  @ApiPropertyOptional({
    maxLength: 64,
    example: 'orders',
    description: 'client_secret_post; or send the id and secret as HTTP Basic (client_secret_basic), not both.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  client_id?: string;

  @ApiPropertyOptional({ maxLength: SERVICE_CLIENT_SECRET_MAX_LENGTH, format: 'password' })
  @IsOptional()
  @IsString()
  @MaxLength(SERVICE_CLIENT_SECRET_MAX_LENGTH)
  client_secret?: string;
}
