import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsObject,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';

/** Largest unit price accepted, in cents; keeps every total far inside Number.MAX_SAFE_INTEGER. */
export const MAX_UNIT_PRICE_CENTS = 100_000_000;

export class OrderItemDto {
  @ApiProperty({ pattern: '^[A-Z0-9][A-Z0-9-]{0,63}$', example: 'BOOK-001' })
  @IsString()
  @Matches(/^[A-Z0-9][A-Z0-9-]{0,63}$/, {
    message: 'sku must be 1-64 upper-case letters, digits or "-", starting with a letter or digit',
  })
  sku!: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 1000, example: 2 })
  @IsInt()
  @Min(1)
  @Max(1000)
  quantity!: number;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    maximum: MAX_UNIT_PRICE_CENTS,
    example: 1500,
    description: 'Integer cents.',
  })
  @IsInt()
  @Min(0)
  @Max(MAX_UNIT_PRICE_CENTS)
  unitPriceCents!: number;
}

export class CreateOrderDto {
  @ApiProperty({ type: [OrderItemDto], minItems: 1, maxItems: 100 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  // @ValidateNested alone walks into an array item as a list and finds nothing wrong with `[]`.
  @IsObject({ each: true, message: 'each item must be an object' })
  @ValidateNested({ each: true })
  @Type(() => OrderItemDto)
  items!: OrderItemDto[];
}
