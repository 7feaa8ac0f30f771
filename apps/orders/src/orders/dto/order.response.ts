import { ApiProperty } from '@nestjs/swagger';
import { ShippingAddress } from '@tessera/contracts';

import type { OrderView } from '../orders.repository';
import type { OrderPage } from '../orders.service';
import { OrderItemDto } from './create-order.dto';

/** An order as its owner (or an admin) sees it. */
export class OrderDto implements OrderView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid', description: 'The owner.' })
  userId!: string;

  @ApiProperty({ enum: ['placed', 'cancelled'] })
  status!: 'placed' | 'cancelled';

  @ApiProperty({ type: 'integer', example: 3000, description: 'Integer cents, computed by the service.' })
  totalCents!: number;

  @ApiProperty({ type: [OrderItemDto] })
  items!: OrderItemDto[];

  @ApiProperty({ type: ShippingAddress, description: "From the owner's profile when the order was placed." })
  shippingAddress!: ShippingAddress;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

/** One page of `GET /orders`, newest first. */
export class OrderPageDto implements OrderPage {
  @ApiProperty({ type: [OrderDto] })
  items!: OrderDto[];

  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' })
  nextCursor!: string | null;
}
