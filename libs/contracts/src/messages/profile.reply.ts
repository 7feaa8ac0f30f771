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

  /** Its OpenAPI schema (see ShippingAddress._OPENAPI_METADATA_FACTORY). */
  static _OPENAPI_METADATA_FACTORY() {
    return {
      userId: { required: true, type: () => String, format: 'uuid' },
      displayName: { required: true, type: () => String, nullable: true, example: 'Ada' },
      shippingAddress: { required: true, type: () => ShippingAddress, nullable: true },
    };
  }
}
