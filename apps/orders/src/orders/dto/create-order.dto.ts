import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';

/** Largest unit price accepted, in cents; keeps every total far inside Number.MAX_SAFE_INTEGER. */
export const MAX_UNIT_PRICE_CENTS = 100_000_000;

export class OrderItemDto {
  @IsString()
  @Matches(/^[A-Z0-9][A-Z0-9-]{0,63}$/, {
    message: 'sku must be 1-64 upper-case letters, digits or "-", starting with a letter or digit',
  })
  sku!: string;

  @IsInt()
  @Min(1)
  @Max(1000)
  quantity!: number;

  @IsInt()
  @Min(0)
  @Max(MAX_UNIT_PRICE_CENTS)
  unitPriceCents!: number;
}

export class CreateOrderDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => OrderItemDto)
  items!: OrderItemDto[];
}
