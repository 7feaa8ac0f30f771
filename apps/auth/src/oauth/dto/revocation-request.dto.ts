import { IsOptional, IsString, MaxLength } from 'class-validator';

import { SERVICE_CLIENT_SECRET_MAX_LENGTH } from '../../config/service-clients';

/** `POST /oauth/revoke` (RFC 7009 §2.1), form-encoded or JSON. */
export class RevocationRequestDto {
  /**
   * Required; checked by the service so that its absence is an `invalid_request`. No length
   * rule: an overlong string is merely a token this server did not issue (RFC 7009 §2.2: 200).
   */
  @IsOptional()
  @IsString()
  token?: string;

  /** `access_token` or `refresh_token`; only a hint (RFC 7009 §2.1): the token's form decides. */
  @IsOptional()
  @IsString()
  @MaxLength(64)
  token_type_hint?: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  client_id?: string;

  @IsOptional()
  @IsString()
  @MaxLength(SERVICE_CLIENT_SECRET_MAX_LENGTH)
  client_secret?: string;
}
