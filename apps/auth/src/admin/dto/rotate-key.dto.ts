import { IsIn, IsOptional } from 'class-validator';

export class RotateKeyDto {
  /** Algorithm of the new key; omitted, the current key's. */
  @IsOptional()
  @IsIn(['RS256', 'ES256'])
  alg?: 'RS256' | 'ES256';
}
