import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsOptional, IsString, Length, ValidateNested } from 'class-validator';
import { ShippingAddress } from '@tessera/contracts';

/** `PATCH /profile/me`: the fields to change; a field left out keeps its value. */
export class UpdateProfileDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 100, example: 'Ada' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  displayName?: string;

  @ApiPropertyOptional({ type: ShippingAddress, description: 'Replaces the whole address.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => ShippingAddress)
  shippingAddress?: ShippingAddress;
}
