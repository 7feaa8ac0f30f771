import { Inject, Injectable } from '@nestjs/common';
import { type OrderPlacedEvent, type OrdersSummaryReply, type ShippingAddress, Subjects } from '@tessera/contracts';
import type { Database } from '@tessera/platform';
import { DATABASE, enqueueEvent, isUuid } from '@tessera/platform';
import { and, asc, count, desc, eq, inArray, lt, ne, or, type SQL, sql, sum } from 'drizzle-orm';

import { orderItems, orders, type OrdersSchema } from '../database/schema';
import type { OrderCursor } from './order-cursor';

export type OrderStatus = 'placed' | 'cancelled';

export interface OrderItemView {
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

export interface OrderView {
  id: string;
  userId: string;
  status: OrderStatus;
  totalCents: number;
  items: OrderItemView[];
  shippingAddress: ShippingAddress;
  createdAt: string;
}

export interface NewOrder {
  userId: string;
  totalCents: number;
  shippingAddress: ShippingAddress;
  items: OrderItemView[];
}

/** Whose orders a query may touch: one user's, or every user's (what an admin sees). */
export type OrderScope = { readonly userId: string } | 'everyone';

/** The orders tables; every read and write takes the caller's scope, so none forgets it. */
@Injectable()
export class OrdersRepository {
  constructor(@Inject(DATABASE) private readonly db: Database<OrdersSchema>) {}

  /** Order and items in one transaction: nothing half-written on any failure. */
  async insert(order: NewOrder): Promise<string> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(orders)
        .values({
          userId: order.userId,
          status: 'placed',
          totalCents: order.totalCents,
          shippingAddress: order.shippingAddress,
        })
        .returning({ id: orders.id });
      if (!row) {
        throw new Error('insert returned no row');
      }
      await tx.insert(orderItems).values(order.items.map((item, position) => ({ orderId: row.id, position, ...item })));
      const event: OrderPlacedEvent = {
        orderId: row.id,
        userId: order.userId,
        totalCents: order.totalCents,
        itemCount: order.items.length,
        occurredAt: new Date().toISOString(),
      };
      await enqueueEvent(tx, Subjects.OrderPlaced, event);
      return row.id;
    });
  }

  /** Up to `limit` orders, newest first, strictly after `after` in that order (keyset). */
  page(scope: OrderScope, limit: number, after?: OrderCursor): Promise<OrderView[]> {
    const position = after
      ? or(lt(orders.createdAt, after.createdAt), and(eq(orders.createdAt, after.createdAt), lt(orders.id, after.id)))
      : undefined;
    return this.select(and(ownedBy(scope), position), limit);
  }

  async findOne(scope: OrderScope, id: string): Promise<OrderView | undefined> {
    const [view] = await this.select(and(ownedBy(scope), eq(orders.id, id)), 1);
    return view;
  }

  /**
   * Moves a placed order to cancelled in one conditional UPDATE, so of two concurrent cancels
   * exactly one succeeds. False when no order in scope with that id is placed.
   */
  async cancelIfPlaced(scope: OrderScope, id: string): Promise<boolean> {
    const rows = await this.db
      .update(orders)
      .set({ status: 'cancelled' })
      .where(and(ownedBy(scope), eq(orders.id, id), eq(orders.status, 'placed')))
      .returning({ id: orders.id });
    return rows.length > 0;
  }

  /** Count and total of a user's orders that are not cancelled. */
  async summary(userId: string): Promise<OrdersSummaryReply> {
    const [row] = await this.db
      .select({ count: count(), total: sum(orders.totalCents) })
      .from(orders)
      .where(and(ownedBy({ userId }), ne(orders.status, 'cancelled')));
    return { count: Number(row?.count ?? 0), totalCents: Number(row?.total ?? 0) };
  }

  private async select(where: SQL | undefined, limit: number): Promise<OrderView[]> {
    const rows = await this.db
      .select()
      .from(orders)
      .where(where)
      .orderBy(desc(orders.createdAt), desc(orders.id))
      .limit(limit);
    if (rows.length === 0) {
      return [];
    }
    const items = await this.db
      .select()
      .from(orderItems)
      .where(
        inArray(
          orderItems.orderId,
          rows.map((o) => o.id),
        ),
      )
      .orderBy(asc(orderItems.position));
    const itemsOf = new Map<string, OrderItemView[]>();
    for (const i of items) {
      const list = itemsOf.get(i.orderId) ?? [];
      list.push({ sku: i.sku, quantity: i.quantity, unitPriceCents: i.unitPriceCents });
      itemsOf.set(i.orderId, list);
    }
    return rows.map((o) => ({
      id: o.id,
      userId: o.userId,
      status: o.status,
      totalCents: o.totalCents,
      items: itemsOf.get(o.id) ?? [],
      shippingAddress: o.shippingAddress,
      createdAt: o.createdAt.toISOString(),
    }));
  }
}

/**
 * The WHERE clause of a scope. A service token's `sub` (`client:<id>`) is no user id: it owns
 * no orders, and comparing it with the uuid column would be a database error, not an answer.
 */
function ownedBy(scope: OrderScope): SQL | undefined {
  if (scope === 'everyone') {
    return undefined;
  }
  return isUuid(scope.userId) ? eq(orders.userId, scope.userId) : sql`false`;
}
