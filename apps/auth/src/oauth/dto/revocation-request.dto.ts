import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

import { SERVICE_CLIENT_SECRET_MAX_LENGTH } from '../../config/service-clients';

/** `POST /oauth/revoke` (RFC 7009 §2.1), form-encoded or JSON. */
export class RevocationRequestDto {
  /**
   * Required; checked by the service so that its absence is an `invalid_request`. No length
   * rule: an overlong string is merely a token this server did not issue (RFC 7009 §2.2: 200).
   */
  @ApiProperty({ description: 'The access or refresh token to revoke.' })
  @IsOptional()
  @IsString()
  token?: string;

  /** `access_token` or `refresh_token`; only a hint (RFC 7009 §2.1): the token's form decides. */
  @ApiPropertyOptional({ enum: ['access_token', 'refresh_token'], description: 'Only a hint.' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  token_type_hint?: string;

  @ApiPropertyOptional({
    maxLength: 64,
    description: 'client_secret_post; or HTTP Basic. The first-party client revokes without authenticating.',
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
