import { IsUUID } from 'class-validator';

/** `orders.summary.v1` request: whose orders to summarise. */
export class OrdersSummaryRequest {
  @IsUUID()
  userId!: string;
}

/** `orders.summary.v1` reply. */
export interface OrdersSummaryReply {
  count: number;
  totalCents: number;
}
