import { Type } from 'class-transformer';
import { IsOptional, IsString, Length, ValidateNested } from 'class-validator';
import { ShippingAddress } from '@tessera/contracts';

export class UpdateProfileDto {
  @IsOptional()
  @IsString()
  @Length(1, 100)
  displayName?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => ShippingAddress)
  shippingAddress?: ShippingAddress;
}
