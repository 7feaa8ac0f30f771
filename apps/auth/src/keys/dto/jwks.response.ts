import { ApiProperty } from '@nestjs/swagger';

/** One public key of the set (RFC 7517 §4): RSA (`n`, `e`) or P-256 (`crv`, `x`, `y`); never a private member. */
export class PublicJwkDto {
  @ApiProperty({ enum: ['RSA', 'EC'] })
  kty!: string;

  @ApiProperty({ description: 'RFC 7638 SHA-256 thumbprint; the `kid` tokens name.' })
  kid!: string;

  @ApiProperty({ enum: ['RS256', 'ES256'] })
  alg!: string;

  @ApiProperty({ enum: ['sig'] })
  use!: string;

  @ApiProperty({ required: false, description: 'RSA modulus (base64url).' })
  n?: string;

  @ApiProperty({ required: false, description: 'RSA exponent (base64url).' })
  e?: string;

  @ApiProperty({ required: false, enum: ['P-256'] })
  crv?: string;

  @ApiProperty({ required: false, description: 'EC x coordinate (base64url).' })
  x?: string;

  @ApiProperty({ required: false, description: 'EC y coordinate (base64url).' })
  y?: string;
}

export class JwksDto {
  @ApiProperty({ type: [PublicJwkDto], description: 'Empty in HS256 mode, which publishes no key.' })
  keys!: PublicJwkDto[];
}

/** The signing key a rotation put in place. */
export class RotatedKeyDto {
  @ApiProperty()
  kid!: string;

  @ApiProperty({ enum: ['RS256', 'ES256'] })
  alg!: string;
}
