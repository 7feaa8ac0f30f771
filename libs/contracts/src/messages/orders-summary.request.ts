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

  /** Its OpenAPI schema (see ShippingAddress._OPENAPI_METADATA_FACTORY). */
  static _OPENAPI_METADATA_FACTORY() {
    return {
      count: { required: true, type: 'integer', minimum: 0, description: 'Orders that are not cancelled.' },
      totalCents: { required: true, type: 'integer', minimum: 0, description: 'Their total, in integer cents.' },
    };
  }
}
