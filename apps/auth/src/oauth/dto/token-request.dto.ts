import { IsOptional, IsString, MaxLength } from 'class-validator';

import { SERVICE_CLIENT_SECRET_MAX_LENGTH } from '../../config/service-clients';

/**
 * `POST /oauth/token` (RFC 6749 §4.4.2 and §6), form-encoded or JSON. Every parameter is
 * optional here: which ones a grant needs is the grant's business, and a missing one is an
 * `invalid_request` rather than a validation error. Parameters not declared here are ignored
 * (RFC 6749 §3.2), see OAuthParams.
 */
export class TokenRequestDto {
  @IsOptional()
  @IsString()
  @MaxLength(64)
  grant_type?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  scope?: string;

  @IsOptional()
  @IsString()
  // Generous next to the 43 characters issued; anything longer is refused before hashing.
  @MaxLength(256)
  refresh_token?: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  client_id?: string;

  @IsOptional()
  @IsString()
  @MaxLength(SERVICE_CLIENT_SECRET_MAX_LENGTH)
  client_secret?: string;
}
