import { Injectable } from '@nestjs/common';
import { InsufficientScopeError, isServicePrincipal, type Principal, ServiceCalls } from '@tessera/auth';
import { type OrdersSummaryReply, ProfileReply, Role, Scope, type ShippingAddress, Subjects } from '@tessera/contracts';
import { OutboxRelay } from '@tessera/platform';

import type { CreateOrderDto } from './dto/create-order.dto';
import { DEFAULT_PAGE_SIZE, type ListOrdersQuery } from './dto/list-orders.query';
import { decodeOrderCursor, encodeOrderCursor } from './order-cursor';
import {
  NoShippingAddressError,
  OrderNotCancellableError,
  OrderNotFoundError,
  OrdersAccessDeniedError,
} from './orders.errors';
import { type OrderScope, OrdersRepository, type OrderView } from './orders.repository';

export type { OrderView } from './orders.repository';

export interface OrderPage {
  items: OrderView[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

@Injectable()
export class OrdersService {
  constructor(
    private readonly repository: OrdersRepository,
    private readonly calls: ServiceCalls,
    private readonly outbox: OutboxRelay,
  ) {}

  /**
   * Places an order: the total is computed here, never taken from the client; the shipping
   * address comes from profile over NATS; order and items are written in one transaction.
   */
  async place(caller: Principal, dto: CreateOrderDto, requestId?: string): Promise<OrderView> {
    const shippingAddress = await this.shippingAddressOf(caller, requestId);
    const totalCents = dto.items.reduce((total, item) => total + item.quantity * item.unitPriceCents, 0);
    const items = dto.items.map(({ sku, quantity, unitPriceCents }) => ({ sku, quantity, unitPriceCents }));
    const id = await this.repository.insert({ userId: caller.sub, totalCents, shippingAddress, items });
    // The order and its orders.order.placed.v1 event committed together; publish it now.
    this.outbox.flush();
    return this.get(caller, id);
  }

  /** The caller's orders (every user's with `all`, admins only), newest first, one page. */
  async list(caller: Principal, query: ListOrdersQuery): Promise<OrderPage> {
    if (query.all && !isAdmin(caller)) {
      // The same RFC 6750 answer as any route needing the admin role.
      throw new InsufficientScopeError(Role.Admin);
    }
    const after = query.cursor === undefined ? undefined : decodeOrderCursor(query.cursor);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    // One row past the page says whether another page exists, so the last page never links
    // to an empty one.
    const rows = await this.repository.page(query.all ? 'everyone' : { userId: caller.sub }, limit + 1, after);
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return {
      items,
      nextCursor:
        rows.length > limit && last ? encodeOrderCursor({ createdAt: new Date(last.createdAt), id: last.id }) : null,
    };
  }

  /** One order: the owner's, or any for an admin; anything else is a 404, never a 403. */
  async get(caller: Principal, id: string): Promise<OrderView> {
    const order = await this.repository.findOne(scopeOf(caller), id);
    if (!order) {
      throw new OrderNotFoundError();
    }
    return order;
  }

  /** Cancels a placed order; 409 if it is no longer placed, 404 if the caller cannot see it. */
  async cancel(caller: Principal, id: string): Promise<OrderView> {
    const scope = scopeOf(caller);
    // The conditional update decides; the read after it only tells which answer to give.
    const cancelled = await this.repository.cancelIfPlaced(scope, id);
    const order = await this.repository.findOne(scope, id);
    if (!order) {
      throw new OrderNotFoundError();
    }
    if (!cancelled) {
      throw new OrderNotCancellableError(order.status);
    }
    return order;
  }

  /**
   * `orders.summary.v1`: the user themself (their own token, or one a service exchanged for it,
   * whose `sub` is the user), or a service acting as itself with `orders:read`. A user's token
   * carries `orders:read` too, for their own orders only, so the scope alone is not enough.
   */
  summary(caller: Principal, userId: string): Promise<OrdersSummaryReply> {
    if (caller.sub !== userId && !mayReadAnyUsersOrders(caller)) {
      throw new OrdersAccessDeniedError();
    }
    return this.repository.summary(userId);
  }

  private async shippingAddressOf(caller: Principal, requestId?: string): Promise<ShippingAddress> {
    // As orders itself, with its own service token (scope profile:read), not the user's token.
    const profile = await this.calls
      .asService(requestId)
      .request(Subjects.ProfileGet, { userId: caller.sub }, ProfileReply);
    if (!profile.shippingAddress) {
      throw new NoShippingAddressError();
    }
    return profile.shippingAddress;
  }
}

/**
 * Reading any user's orders: only a service's own token (`sub` `client:<id>`, no actor) with
 * `orders:read`. An exchanged token carries `orders:read` too, but only for its own `sub`, the
 * user it was exchanged for; a user's token never reaches here with a `client:` sub.
 */
export function mayReadAnyUsersOrders(caller: Principal): boolean {
  return isServicePrincipal(caller) && caller.scopes.includes(Scope.OrdersRead);
}

function isAdmin(caller: Principal): boolean {
  return caller.roles.includes(Role.Admin);
}

/** What the caller may read or cancel by id: an admin any order, anyone else their own. */
function scopeOf(caller: Principal): OrderScope {
  return isAdmin(caller) ? 'everyone' : { userId: caller.sub };
}
