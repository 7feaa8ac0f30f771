import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { IsOptionalNotNull } from '@tessera/contracts';

/**
 * `POST /auth/refresh`. The token is optional here because a browser sends it as the cookie
 * instead; RefreshCookie decides which one counts.
 */
export class RefreshDto {
  @ApiPropertyOptional({
    maxLength: 256,
    description:
      'The refresh token from the last login or refresh. Leave it out to use the refresh cookie; ' +
      'the request must then still be application/json (an empty object will do).',
  })
  @IsOptionalNotNull()
  @IsString()
  // Generous next to the 43 characters issued; anything longer is refused before hashing.
  @MaxLength(256)
  refresh_token?: string;
}
