import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

import { SERVICE_CLIENT_SECRET_MAX_LENGTH } from '../../config/service-clients';

/** `POST /oauth/introspect` (RFC 7662 §2.1), form-encoded or JSON. */
export class IntrospectionRequestDto {
  /**
   * Required; checked by the service so that its absence is an `invalid_request`. No length
   * rule: an overlong string is merely a token this server did not issue (inactive).
   */
  @ApiProperty({ description: 'The access token to introspect.' })
  @IsOptional()
  @IsString()
  token?: string;

  /** Only a hint (RFC 7662 §2.1). */
  @ApiPropertyOptional({ enum: ['access_token', 'refresh_token'], description: 'Only a hint.' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  token_type_hint?: string;

  @ApiPropertyOptional({ maxLength: 64, description: 'client_secret_post; or HTTP Basic.' })
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
