import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ACCESS_TOKEN_TYPE } from '@tessera/contracts';

import type { OAuthErrorBody } from '../oauth-error.filter';
import { OAuthErrorCode } from '../oauth.errors';

/**
 * RFC 6749 §5.1. client_credentials answers `scope` and no refresh token (§4.4.3);
 * refresh_token answers the rotated pair.
 */
export class TokenDto {
  @ApiProperty({ description: 'The access token (JWT, `at+jwt`).' })
  access_token!: string;

  @ApiProperty({ enum: ['Bearer'] })
  token_type!: 'Bearer';

  @ApiProperty({ type: 'integer', example: 300, description: 'Seconds until the access token expires.' })
  expires_in!: number;

  @ApiPropertyOptional({ example: 'profile:read', description: 'client_credentials: the scopes granted.' })
  scope?: string;

  @ApiPropertyOptional({
    enum: [ACCESS_TOKEN_TYPE],
    description: 'token exchange (RFC 8693 §2.2.1): the type of the token issued.',
  })
  issued_token_type?: string;

  @ApiPropertyOptional({ description: 'refresh_token: the new refresh token; the one sent is spent.' })
  refresh_token?: string;
}

/** RFC 6749 §5.2 error body, which OAuth client libraries read (not problem+json). */
export class OAuthErrorDto implements OAuthErrorBody {
  @ApiProperty({ enum: Object.values(OAuthErrorCode), example: OAuthErrorCode.InvalidClient })
  error!: string;

  @ApiProperty({ example: 'Client authentication failed.' })
  error_description!: string;
}
