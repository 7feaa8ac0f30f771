import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '@tessera/auth';
import { type OrdersSummaryReply, ProfileReply, type ShippingAddress, Subjects } from '@tessera/contracts';
import type { Database } from '@tessera/platform';
import { DATABASE, NatsRpcClient } from '@tessera/platform';
import { and, asc, count, desc, eq, inArray, ne, sum } from 'drizzle-orm';

import { orderItems, orders, type OrdersSchema } from '../database/schema';
import type { CreateOrderDto } from './dto/create-order.dto';
import { NoShippingAddressError, OrdersAccessDeniedError } from './orders.errors';

/** Scope a service token needs to summarise any user's orders. */
export const ORDERS_READ_SCOPE = 'orders:read';

export interface OrderView {
  id: string;
  status: 'placed' | 'cancelled';
  totalCents: number;
  items: { sku: string; quantity: number; unitPriceCents: number }[];
  shippingAddress: ShippingAddress;
  createdAt: string;
}

@Injectable()
export class OrdersService {
  constructor(
    @Inject(DATABASE) private readonly db: Database<OrdersSchema>,
    private readonly rpc: NatsRpcClient,
  ) {}

  /**
   * Places an order: the total is computed here, never taken from the client; the shipping
   * address comes from profile over NATS; order and items are written in one transaction.
   */
  async place(caller: Principal, dto: CreateOrderDto, requestId?: string): Promise<OrderView> {
    const address = await this.shippingAddressOf(caller, requestId);
    const totalCents = dto.items.reduce((total, item) => total + item.quantity * item.unitPriceCents, 0);
    const orderId = await this.db.transaction(async (tx) => {
      const [order] = await tx
        .insert(orders)
        .values({ userId: caller.sub, status: 'placed', totalCents, shippingAddress: address })
        .returning({ id: orders.id });
      if (!order) {
        throw new Error('insert returned no row');
      }
      await tx.insert(orderItems).values(
        dto.items.map((item, position) => ({
          orderId: order.id,
          position,
          sku: item.sku,
          quantity: item.quantity,
          unitPriceCents: item.unitPriceCents,
        })),
      );
      return order.id;
    });
    const [view] = await this.load([orderId]);
    return view;
  }

  /** The caller's orders, newest first. */
  async list(caller: Principal, limit = 20): Promise<OrderView[]> {
    const rows = await this.db
      .select({ id: orders.id })
      .from(orders)
      .where(eq(orders.userId, caller.sub))
      .orderBy(desc(orders.createdAt), desc(orders.id))
      .limit(limit);
    return this.load(rows.map((r) => r.id));
  }

  /** `orders.summary.v1`: the user themself, or a token with the `orders:read` scope. */
  async summary(caller: Principal, userId: string): Promise<OrdersSummaryReply> {
    if (caller.sub !== userId && !caller.scopes.includes(ORDERS_READ_SCOPE)) {
      throw new OrdersAccessDeniedError();
    }
    const [row] = await this.db
      .select({ count: count(), total: sum(orders.totalCents) })
      .from(orders)
      .where(and(eq(orders.userId, userId), ne(orders.status, 'cancelled')));
    return { count: Number(row?.count ?? 0), totalCents: Number(row?.total ?? 0) };
  }

  private async shippingAddressOf(caller: Principal, requestId?: string): Promise<ShippingAddress> {
    // Issue 2: on the caller's behalf, with their own token. A later issue moves this call to
    // orders' own service token with the profile:read scope.
    const profile = await this.rpc.request(Subjects.ProfileGet, { userId: caller.sub }, ProfileReply, {
      authorization: `Bearer ${caller.token}`,
      requestId,
    });
    if (!profile.shippingAddress) {
      throw new NoShippingAddressError();
    }
    return profile.shippingAddress;
  }

  private async load(ids: string[]): Promise<OrderView[]> {
    if (ids.length === 0) {
      return [];
    }
    const [rows, items] = await Promise.all([
      this.db.select().from(orders).where(inArray(orders.id, ids)).orderBy(desc(orders.createdAt), desc(orders.id)),
      this.db.select().from(orderItems).where(inArray(orderItems.orderId, ids)).orderBy(asc(orderItems.position)),
    ]);
    return rows.map((o) => ({
      id: o.id,
      status: o.status,
      totalCents: o.totalCents,
      items: items
        .filter((i) => i.orderId === o.id)
        .map((i) => ({ sku: i.sku, quantity: i.quantity, unitPriceCents: i.unitPriceCents })),
      shippingAddress: o.shippingAddress,
      createdAt: o.createdAt.toISOString(),
    }));
  }
}
