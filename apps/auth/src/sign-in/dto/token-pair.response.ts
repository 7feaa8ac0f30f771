import { ApiProperty } from '@nestjs/swagger';

import type { TokenPairResponse } from '../refresh-cookie';

/** `POST /auth/login` and `POST /auth/refresh`: a new access token and a new refresh token. */
export class TokenPairDto implements TokenPairResponse {
  @ApiProperty({ description: 'The access token (JWT, `at+jwt`), sent as `Authorization: Bearer <token>`.' })
  access_token!: string;

  @ApiProperty({ enum: ['Bearer'] })
  token_type!: 'Bearer';

  @ApiProperty({ type: 'integer', description: 'Seconds until the access token expires.', example: 900 })
  expires_in!: number;

  @ApiProperty({
    description: 'Opaque; rotated on every use. Also set as the HttpOnly refresh cookie for browsers.',
  })
  refresh_token!: string;
}
