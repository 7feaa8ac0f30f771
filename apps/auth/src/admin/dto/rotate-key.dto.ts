import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { IsOptionalNotNull } from '@tessera/contracts';

export class RotateKeyDto {
  /** Algorithm of the new key; omitted, AUTH_SIGNING_ALG's. */
  @ApiPropertyOptional({ enum: ['RS256', 'ES256'], description: "Omitted: AUTH_SIGNING_ALG's." })
  @IsOptionalNotNull()
  @IsIn(['RS256', 'ES256'])
  alg?: 'RS256' | 'ES256';
}
