import { IsInt, IsISO8601, IsUUID, Max, Min } from 'class-validator';

/** `orders.order.placed.v1`: published by orders once the order has committed. */
export class OrderPlacedEvent {
  @IsUUID()
  orderId!: string;

  @IsUUID()
  userId!: string;

  @IsInt()
  @Min(0)
  totalCents!: number;

  @IsInt()
  @Min(1)
  @Max(100)
  itemCount!: number;

  @IsISO8601()
  occurredAt!: string;
}
