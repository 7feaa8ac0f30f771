import { IsInt, IsUUID, Min } from 'class-validator';

/** `orders.summary.v1` request: whose orders to summarise. */
export class OrdersSummaryRequest {
  @IsUUID()
  userId!: string;
}

/** `orders.summary.v1` reply: orders that are not cancelled. */
export class OrdersSummaryReply {
  @IsInt()
  @Min(0)
  count!: number;

  @IsInt()
  @Min(0)
  totalCents!: number;
}
