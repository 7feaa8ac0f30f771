import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsObject, IsString, Length, ValidateNested } from 'class-validator';
import { IsOptionalNotNull, ShippingAddress } from '@tessera/contracts';

/**
 * `PATCH /profile/me`: the fields to change; a field left out keeps its value. Neither can be
 * cleared with null: the document types them as a string and an object, not nullable.
 */
export class UpdateProfileDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 100, example: 'Ada' })
  @IsOptionalNotNull()
  @IsString()
  @Length(1, 100)
  displayName?: string;

  @ApiPropertyOptional({ type: ShippingAddress, description: 'Replaces the whole address.' })
  @IsOptionalNotNull()
  // @ValidateNested alone accepts an array, walking into it as a list of addresses.
  @IsObject()
  @ValidateNested()
  @Type(() => ShippingAddress)
  shippingAddress?: ShippingAddress;
}
