import path from 'node:path';
import { randomUUID } from 'node:crypto';

import { createPrincipal, InsufficientScopeError, type Principal, type ServiceCalls } from '@tessera/auth';
import { type ProfileReply, Subjects } from '@tessera/contracts';
import { eq } from 'drizzle-orm';
import { type DatabaseHandle, openDatabase, type OutboxRelay, outboxEvents } from '@tessera/platform';

import { orderItems, orders, schema, type OrdersSchema } from '../database/schema';
import { OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';

const address = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };

function principal(fields: { sub?: string; roles?: string[]; scopes?: string[]; clientId?: string } = {}): Principal {
  return createPrincipal(
    {
      sub: fields.sub ?? randomUUID(),
      roles: fields.roles ?? ['user'],
      scopes: fields.scopes ?? [],
      ...(fields.clientId !== undefined ? { clientId: fields.clientId } : {}),
      jti: randomUUID(),
      exp: Math.floor(Date.now() / 1000) + 900,
    },
    'user-token',
  );
}

describe('OrdersService', () => {
  let handle: DatabaseHandle<OrdersSchema>;
  let service: OrdersService;
  const flush = jest.fn();
  let profile: ProfileReply;
  const request = jest.fn<Promise<ProfileReply>, [string, unknown, unknown]>(() => Promise.resolve(profile));
  const asService = jest.fn<{ request: typeof request }, [string?]>(() => ({ request }));

  beforeAll(async () => {
    handle = await openDatabase({
      dataDir: 'memory://',
      migrationsFolder: path.join(__dirname, '..', '..', 'migrations'),
      schema,
    });
    service = new OrdersService(
      new OrdersRepository(handle.db),
      { asService } as unknown as ServiceCalls,
      { flush } as unknown as OutboxRelay,
    );
  });

  beforeEach(async () => {
    await handle.db.delete(orderItems);
    await handle.db.delete(orders);
    await handle.db.delete(outboxEvents);
    profile = { userId: 'ignored', displayName: 'Ada', shippingAddress: address };
    jest.clearAllMocks();
  });

  afterAll(() => handle?.close());

  const place = (caller: Principal, unitPriceCents = 1500, quantity = 2) =>
    service.place(caller, { items: [{ sku: 'SKU-1', quantity, unitPriceCents }] });

  /** Places an order dated `minutesAgo` back, so the order of a listing never rests on a tie. */
  async function placeDated(caller: Principal, minutesAgo: number): Promise<string> {
    const { id } = await place(caller);
    await handle.db
      .update(orders)
      .set({ createdAt: new Date(Date.now() - minutesAgo * 60_000) })
      .where(eq(orders.id, id));
    return id;
  }

  describe('place', () => {
    it('computes the total itself and ships to the address from the caller’s profile', async () => {
      const ada = principal();
      const order = await service.place(
        ada,
        {
          items: [
            { sku: 'SKU-1', quantity: 2, unitPriceCents: 1500 },
            { sku: 'SKU-2', quantity: 1, unitPriceCents: 250 },
          ],
        },
        'req-1',
      );
      expect(order).toEqual({
        id: expect.any(String),
        userId: ada.sub,
        status: 'placed',
        totalCents: 3250,
        items: [
          { sku: 'SKU-1', quantity: 2, unitPriceCents: 1500 },
          { sku: 'SKU-2', quantity: 1, unitPriceCents: 250 },
        ],
        shippingAddress: address,
        createdAt: expect.any(String),
      });
      // Asked as orders itself (its own service token), for the caller's profile, with the request id.
      expect(asService).toHaveBeenCalledWith('req-1');
      expect(request).toHaveBeenCalledWith(Subjects.ProfileGet, { userId: ada.sub }, expect.anything());
    });

    it('commits orders.order.placed.v1 with the order and kicks the relay', async () => {
      const ada = principal();
      const order = await place(ada);
      expect(await handle.db.select().from(outboxEvents)).toEqual([
        expect.objectContaining({
          subject: Subjects.OrderPlaced,
          payload: {
            orderId: order.id,
            userId: ada.sub,
            totalCents: 3000,
            itemCount: 1,
            occurredAt: expect.any(String),
          },
        }),
      ]);
      expect(flush).toHaveBeenCalledTimes(1);
    });

    it('refuses with 422 no_shipping_address, writing nothing, when the profile has no address', async () => {
      profile = { ...profile, shippingAddress: null };
      await expect(place(principal())).rejects.toMatchObject({ status: 422, code: 'no_shipping_address' });
      expect(await handle.db.select().from(orders)).toEqual([]);
      expect(await handle.db.select().from(outboxEvents)).toEqual([]);
      expect(flush).not.toHaveBeenCalled();
    });
  });

  describe('ownership', () => {
    it('shows a user their own order and answers 404 for another user’s', async () => {
      const ada = principal();
      const bob = principal();
      const order = await place(ada);
      await expect(service.get(ada, order.id)).resolves.toMatchObject({ id: order.id, userId: ada.sub });
      await expect(service.get(bob, order.id)).rejects.toMatchObject({ status: 404, code: 'order_not_found' });
      await expect(service.get(ada, randomUUID())).rejects.toMatchObject({ status: 404, code: 'order_not_found' });
    });

    it('lets an admin read and cancel any user’s order', async () => {
      const order = await place(principal());
      const admin = principal({ roles: ['user', 'admin'] });
      await expect(service.get(admin, order.id)).resolves.toMatchObject({ id: order.id });
      await expect(service.cancel(admin, order.id)).resolves.toMatchObject({ id: order.id, status: 'cancelled' });
    });

    it('gives a service token, whose sub is no user id, no order', async () => {
      const order = await place(principal());
      const client = principal({ sub: 'client:billing', roles: [], scopes: ['orders:read'] });
      await expect(service.get(client, order.id)).rejects.toMatchObject({ status: 404 });
      await expect(service.list(client, {})).resolves.toEqual({ items: [], nextCursor: null });
    });

    it('cancels the owner’s placed order once; a second cancel is 409, another user’s cancel 404', async () => {
      const ada = principal();
      const order = await place(ada);
      await expect(service.cancel(principal(), order.id)).rejects.toMatchObject({ status: 404 });
      await expect(service.cancel(ada, order.id)).resolves.toMatchObject({ status: 'cancelled' });
      await expect(service.cancel(ada, order.id)).rejects.toMatchObject({ status: 409, code: 'order_not_cancellable' });
    });
  });

  describe('list', () => {
    it('lists only the caller’s orders, newest first', async () => {
      const ada = principal();
      const older = await placeDated(ada, 10);
      await placeDated(principal(), 5);
      const newer = await placeDated(ada, 1);
      const page = await service.list(ada, {});
      expect(page.items.map((o) => o.id)).toEqual([newer, older]);
      expect(page.nextCursor).toBeNull();
    });

    it('pages with a cursor through every order exactly once, and the last page links nowhere', async () => {
      const ada = principal();
      const placed: string[] = [];
      for (let i = 0; i < 5; i++) {
        placed.push(await placeDated(ada, 10 - i));
      }
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await service.list(ada, { limit: 2, cursor });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((o) => o.id));
        cursor = page.nextCursor ?? undefined;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual([...placed].reverse());
    });

    it('pages through orders of the same instant without skipping or repeating one', async () => {
      const ada = principal();
      const placed: string[] = [];
      for (let i = 0; i < 5; i++) {
        placed.push((await place(ada)).id);
      }
      await handle.db.update(orders).set({ createdAt: new Date('2026-01-01T00:00:00.000Z') });
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await service.list(ada, { limit: 2, cursor });
        seen.push(...page.items.map((o) => o.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual([...placed].sort().reverse());
    });

    it('gives no next cursor when the page is exactly full', async () => {
      const ada = principal();
      await place(ada);
      await place(ada);
      expect((await service.list(ada, { limit: 2 })).nextCursor).toBeNull();
    });

    it('lists every user’s orders with all=true for an admin only', async () => {
      await place(principal());
      await place(principal());
      const admin = principal({ roles: ['user', 'admin'] });
      expect((await service.list(admin, { all: true })).items).toHaveLength(2);
      expect((await service.list(admin, {})).items).toHaveLength(0);
      await expect(service.list(principal(), { all: true })).rejects.toBeInstanceOf(InsufficientScopeError);
    });

    it('refuses a cursor that was not made by the service', async () => {
      await expect(service.list(principal(), { cursor: 'not-a-cursor' })).rejects.toMatchObject({ status: 400 });
    });
  });

  describe('summary', () => {
    it('counts a user’s orders that are not cancelled, for the user or an orders:read token', async () => {
      const ada = principal();
      await place(ada, 1000, 1);
      const cancelled = await place(ada, 500, 1);
      await place(ada, 250, 2);
      await service.cancel(ada, cancelled.id);
      const expected = { count: 2, totalCents: 1500 };
      await expect(service.summary(ada, ada.sub)).resolves.toEqual(expected);
      const billing = principal({ sub: 'client:billing', roles: [], scopes: ['orders:read'], clientId: 'billing' });
      await expect(service.summary(billing, ada.sub)).resolves.toEqual(expected);
    });

    it('refuses another user without orders:read with 403 orders_access_denied', async () => {
      const ada = principal();
      let refused: unknown;
      try {
        await service.summary(principal(), ada.sub);
      } catch (e) {
        refused = e;
      }
      expect(refused).toMatchObject({ status: 403, code: 'orders_access_denied' });
    });

    it('refuses another user to a user token that carries orders:read for its own orders', async () => {
      const ada = principal();
      await place(ada, 1000, 1);
      const userToken = { scopes: ['orders:read', 'orders:write'], clientId: 'tessera-web' };
      const eve = principal(userToken);
      await expect(Promise.resolve().then(() => service.summary(eve, ada.sub))).rejects.toMatchObject({
        status: 403,
        code: 'orders_access_denied',
      });
      const admin = principal({ ...userToken, roles: ['user', 'admin'] });
      await expect(Promise.resolve().then(() => service.summary(admin, ada.sub))).rejects.toMatchObject({
        code: 'orders_access_denied',
      });
      // A user id that merely looks like a service name is not one: client_id must match it.
      const lookalike = principal({ ...userToken, sub: 'client:billing' });
      await expect(Promise.resolve().then(() => service.summary(lookalike, ada.sub))).rejects.toMatchObject({
        code: 'orders_access_denied',
      });
      await expect(Promise.resolve().then(() => service.summary(eve, eve.sub))).resolves.toEqual({
        count: 0,
        totalCents: 0,
      });
    });
  });
});
