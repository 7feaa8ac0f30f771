import { Type } from 'class-transformer';
import { IsOptional, IsString, IsUUID, ValidateNested } from 'class-validator';

import { ShippingAddress } from './shipping-address';

/** `profile.get.v1` reply. */
export class ProfileReply {
  @IsUUID()
  userId!: string;

  @IsOptional()
  @IsString()
  displayName!: string | null;

  @IsOptional()
  @ValidateNested()
  @Type(() => ShippingAddress)
  shippingAddress!: ShippingAddress | null;
}
