import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/**
 * RFC 7662 §2.2. An inactive token (unknown, expired, revoked, wrongly signed, a refresh token)
 * is only `{"active": false}`: nothing about why.
 */
export class IntrospectionDto {
  @ApiProperty({ description: 'Whether every Tessera service would accept the token right now.' })
  active!: boolean;

  @ApiPropertyOptional({ example: 'orders:read orders:write', description: 'Space-separated scopes.' })
  scope?: string;

  @ApiPropertyOptional({ description: 'The client the token was issued to.' })
  client_id?: string;

  @ApiPropertyOptional({ enum: ['Bearer'] })
  token_type?: 'Bearer';

  @ApiPropertyOptional({ type: 'integer', description: 'Expiry, seconds since the epoch.' })
  exp?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'Issued at, seconds since the epoch.' })
  iat?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'Not before, seconds since the epoch.' })
  nbf?: number;

  @ApiPropertyOptional({ description: 'A user id, or `client:<id>` for a service token.' })
  sub?: string;

  @ApiPropertyOptional({ type: [String], description: 'The services the token is for.' })
  aud?: string[];

  @ApiPropertyOptional()
  iss?: string;

  @ApiPropertyOptional()
  jti?: string;

  @ApiPropertyOptional({ type: [String], description: "The user's roles (Tessera's own member)." })
  roles?: string[];
}
