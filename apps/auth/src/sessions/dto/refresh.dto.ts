import { IsOptional, IsString, MaxLength } from 'class-validator';

/**
 * `POST /auth/refresh`. The token is optional here because a browser sends it as the cookie
 * instead; RefreshCookie decides which one counts.
 */
export class RefreshDto {
  @IsOptional()
  @IsString()
  // Generous next to the 43 characters issued; anything longer is refused before hashing.
  @MaxLength(256)
  refresh_token?: string;
}
