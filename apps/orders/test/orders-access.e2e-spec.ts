import { randomUUID } from 'node:crypto';

import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { startVerifyingService, type VerifyingServiceHarness } from '@tessera/auth/testing';
import { OrdersSummaryReply, Subjects } from '@tessera/contracts';
import { DATABASE, type Database } from '@tessera/platform';
import { testDatabaseTargets } from '@tessera/platform/testing';

import { createOrdersApp } from '../src/app';
import { loadOrdersConfig } from '../src/config/orders.config';
import { orderItems, orders, type OrdersSchema } from '../src/database/schema';

const address = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
const b64 = (text: string) => Buffer.from(text).toString('base64url');

interface OrderBody {
  id: string;
  userId: string;
  status: string;
  totalCents: number;
  createdAt: string;
}
interface PageBody {
  items: OrderBody[];
  nextCursor: string | null;
}

describe.each(testDatabaseTargets())('orders: listing, reading and cancelling on $name', (target) => {
  let h: VerifyingServiceHarness;
  let db: Database<OrdersSchema>;

  beforeAll(async () => {
    let app: NestFastifyApplication | undefined;
    h = await startVerifyingService(
      target,
      async (env) => (app = await createOrdersApp(loadOrdersConfig(env))),
      (d) => ({ ORDERS_DATA_DIR: d.dataDir, ORDERS_DATABASE_URL: d.url }),
    );
    // Set-up only: orders are seeded through the app's own database because placing one over
    // HTTP needs profile running. Every assertion below goes through HTTP or NATS.
    db = app!.get<Database<OrdersSchema>>(DATABASE);
  });

  afterAll(() => h?.close());

  const user = (sub = randomUUID()) => h.token(sub, { roles: ['user'] });
  const admin = () => h.token(randomUUID(), { roles: ['user', 'admin'] });

  /** One order of `quantity` 2 × `unitPriceCents`, written as POST /orders would write it. */
  async function seed(
    userId: string,
    {
      createdAt,
      status = 'placed',
      unitPriceCents = 1500,
    }: { createdAt?: Date; status?: 'placed' | 'cancelled'; unitPriceCents?: number } = {},
  ): Promise<string> {
    return db.transaction(async (tx) => {
      const [row] = await tx
        .insert(orders)
        .values({
          userId,
          status,
          totalCents: 2 * unitPriceCents,
          shippingAddress: address,
          ...(createdAt ? { createdAt } : {}),
        })
        .returning({ id: orders.id });
      await tx
        .insert(orderItems)
        .values({ orderId: row.id, position: 0, sku: 'BOOK-001', quantity: 2, unitPriceCents });
      return row.id;
    });
  }

  const get = (path: string, token?: string) =>
    fetch(`${h.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const cancel = (id: string, token: string) =>
    fetch(`${h.url}/orders/${id}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  const page = async (query: string, token: string): Promise<PageBody> => {
    const res = await get(`/orders${query}`, token);
    expect(res.status).toBe(200);
    return (await res.json()) as PageBody;
  };

  /** Follows nextCursor to the end; returns every page. */
  async function walk(query: string, token: string): Promise<PageBody[]> {
    const pages = [await page(query, token)];
    for (let next = pages[0].nextCursor; next !== null; next = pages.at(-1)!.nextCursor) {
      pages.push(await page(`${query}${query ? '&' : '?'}cursor=${encodeURIComponent(next)}`, token));
      expect(pages.length).toBeLessThan(100);
    }
    return pages;
  }

  async function expectProblem(res: Response, status: number, code: string): Promise<Record<string, unknown>> {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status, code });
    return body;
  }

  describe('GET /orders', () => {
    it('pages through a user’s orders newest first with no duplicates or gaps, ties broken by id', async () => {
      const alice = randomUUID();
      const t0 = Date.parse('2026-01-10T10:00:00.000Z');
      // Three orders share one createdAt and the first page boundary falls among them, so
      // only the id tie-breaker in the cursor keeps them from repeating or going missing.
      const minutesBefore = [4, 0, 2, 3, 2, 1, 2];
      const seeded: { id: string; createdAt: number }[] = [];
      for (const m of minutesBefore) {
        const createdAt = t0 - m * 60_000;
        seeded.push({ id: await seed(alice, { createdAt: new Date(createdAt) }), createdAt });
        await seed(randomUUID(), { createdAt: new Date(createdAt) });
      }
      const expected = seeded.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1)).map((o) => o.id);

      const token = await user(alice);
      const pages = await walk('?limit=3', token);
      expect(pages.map((p) => p.items.length)).toEqual([3, 3, 1]);
      expect(pages.map((p) => p.nextCursor === null)).toEqual([false, false, true]);
      const items = pages.flatMap((p) => p.items);
      expect(items.map((o) => o.id)).toEqual(expected);
      expect(new Set(items.map((o) => o.userId))).toEqual(new Set([alice]));
      expect(items[0]).toMatchObject({
        status: 'placed',
        totalCents: 3000,
        createdAt: new Date(t0).toISOString(),
        items: [{ sku: 'BOOK-001', quantity: 2, unitPriceCents: 1500 }],
        shippingAddress: address,
      });

      // A last page that is exactly full links to nothing; the default size holds all seven.
      expect(await page('?limit=7', token)).toEqual({ items, nextCursor: null });
      expect(await page('', token)).toEqual({ items, nextCursor: null });
    });

    it('pages through orders stamped by the database in one instant', async () => {
      const alice = randomUUID();
      // One transaction: now() is the same for every row, at whatever precision the column
      // keeps; a cursor that lost part of it would skip the rest of the tie.
      await db.insert(orders).values(
        Array.from({ length: 3 }, () => ({
          userId: alice,
          status: 'placed' as const,
          totalCents: 0,
          shippingAddress: address,
        })),
      );
      const items = (await walk('?limit=1', await user(alice))).flatMap((p) => p.items);
      expect(items).toHaveLength(3);
      expect(new Set(items.map((o) => o.id)).size).toBe(3);
      expect(new Set(items.map((o) => o.createdAt)).size).toBe(1);
    });

    it('starts with an empty page for a user with no orders', async () => {
      expect(await page('', await user())).toEqual({ items: [], nextCursor: null });
    });

    it.each([
      ['characters outside base64url', 'not a cursor!'],
      ['base64url of junk', b64('hello world')],
      ['an id that is not a uuid', b64('2026-01-10T10:00:00.000Z|1 OR 1=1')],
      ['a date that is not one', b64(`yesterday|${randomUUID()}`)],
      ['an empty cursor', ''],
      ['an over-long cursor', 'A'.repeat(200)],
    ])('answers 400 for a cursor with %s', async (_name, cursor) => {
      const res = await get(`/orders?cursor=${encodeURIComponent(cursor)}`, await user());
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(await res.json()).toMatchObject({
        status: 400,
        code: expect.stringMatching(/^(invalid_cursor|validation_failed)$/),
      });
    });

    it('answers invalid_cursor for a well-formed string this API never issued', async () => {
      await expectProblem(await get(`/orders?cursor=${b64('hello world')}`, await user()), 400, 'invalid_cursor');
    });

    it.each(['limit=0', 'limit=101', 'limit=ten', 'limit=1.5', 'cursor=a&cursor=b', 'all=yes', 'sort=asc'])(
      'answers 400 for ?%s',
      async (query) => {
        await expectProblem(await get(`/orders?${query}`, await user()), 400, 'validation_failed');
      },
    );

    it('lists every user’s orders for an admin with all=true, and only their own without it', async () => {
      const [carol, dave, adminId] = [randomUUID(), randomUUID(), randomUUID()];
      const theirs = [await seed(carol), await seed(dave), await seed(carol, { status: 'cancelled' })];
      const own = await seed(adminId);
      const token = await h.token(adminId, { roles: ['user', 'admin'] });

      const everything = await page('?all=true&limit=100', token);
      expect(everything.nextCursor).toBeNull();
      const ids = everything.items.map((o) => o.id);
      expect(ids).toEqual(expect.arrayContaining([...theirs, own]));
      // Paging through everyone's orders gives the same list, in the same order.
      const walked = (await walk('?all=true&limit=4', token)).flatMap((p) => p.items.map((o) => o.id));
      expect(walked).toEqual(ids);

      expect((await page('', token)).items.map((o) => o.id)).toEqual([own]);
      expect((await page('?all=false', token)).items.map((o) => o.id)).toEqual([own]);
    });

    it('answers 403 insufficient_scope to a non-admin asking for all=true', async () => {
      const carol = randomUUID();
      await seed(carol);
      const res = await get('/orders?all=true', await user(carol));
      await expectProblem(res, 403, 'insufficient_scope');
      expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
      expect((await page('?all=false', await user(carol))).items).toHaveLength(1);
    });

    it('answers 401 without a token', async () => {
      expect((await get('/orders')).status).toBe(401);
    });
  });

  describe('GET /orders/:id', () => {
    it('shows an order to its owner and to an admin', async () => {
      const alice = randomUUID();
      const id = await seed(alice);
      const seen = { id, userId: alice, status: 'placed', totalCents: 3000, shippingAddress: address };
      const byOwner = await get(`/orders/${id}`, await user(alice));
      expect(byOwner.status).toBe(200);
      expect(await byOwner.json()).toMatchObject(seen);
      const byAdmin = await get(`/orders/${id}`, await admin());
      expect(byAdmin.status).toBe(200);
      expect(await byAdmin.json()).toMatchObject(seen);
    });

    it('answers another user exactly as for an order that does not exist: 404', async () => {
      const id = await seed(randomUUID());
      const bob = await user();
      const other = await expectProblem(await get(`/orders/${id}`, bob), 404, 'order_not_found');
      const missing = await expectProblem(await get(`/orders/${randomUUID()}`, bob), 404, 'order_not_found');
      expect(other).toEqual(missing);
    });

    it.each(['123', 'not-a-uuid', `${randomUUID()}0`, "1' OR '1'='1"])('answers 400 for the id %p', async (id) => {
      await expectProblem(await get(`/orders/${encodeURIComponent(id)}`, await user()), 400, 'validation_failed');
    });

    it('refuses a service token, which is no user, with 403 on every orders route', async () => {
      const id = await seed(randomUUID());
      const service = await h.token('client:reporting', { roles: [], scope: 'orders:read' });
      const listed = await fetch(`${h.url}/orders`, { headers: { authorization: `Bearer ${service}` } });
      await expectProblem(listed, 403, 'insufficient_scope');
      await expectProblem(await get(`/orders/${id}`, service), 403, 'insufficient_scope');
      await expectProblem(await cancel(id, service), 403, 'insufficient_scope');
    });

    it('lets a user token narrowed to orders:read (a third-party app’s) read but not cancel, and one without it do neither', async () => {
      const owner = randomUUID();
      const id = await seed(owner);
      const reader = await h.token(owner, { roles: ['user'], scope: 'openid orders:read' });
      expect((await get(`/orders/${id}`, reader)).status).toBe(200);
      await expectProblem(await cancel(id, reader), 403, 'insufficient_scope');
      const identityOnly = await h.token(owner, { roles: ['user'], scope: 'openid profile' });
      await expectProblem(await get(`/orders/${id}`, identityOnly), 403, 'insufficient_scope');
      await expectProblem(await get('/orders', identityOnly), 403, 'insufficient_scope');
    });
  });

  describe('POST /orders/:id/cancel', () => {
    it('cancels the owner’s placed order with 200, then answers 409 order_not_cancellable', async () => {
      const alice = randomUUID();
      const token = await user(alice);
      const id = await seed(alice);
      const first = await cancel(id, token);
      expect(first.status).toBe(200);
      expect(await first.json()).toMatchObject({ id, userId: alice, status: 'cancelled', totalCents: 3000 });
      expect(await (await get(`/orders/${id}`, token)).json()).toMatchObject({ id, status: 'cancelled' });
      await expectProblem(await cancel(id, token), 409, 'order_not_cancellable');
    });

    it('answers 404 to another user and leaves the order placed', async () => {
      const alice = randomUUID();
      const id = await seed(alice);
      await expectProblem(await cancel(id, await user()), 404, 'order_not_found');
      await expectProblem(await cancel(randomUUID(), await user(alice)), 404, 'order_not_found');
      expect(await (await get(`/orders/${id}`, await user(alice))).json()).toMatchObject({ status: 'placed' });
    });

    it('lets an admin cancel any user’s order', async () => {
      const id = await seed(randomUUID());
      const res = await cancel(id, await admin());
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ id, status: 'cancelled' });
    });

    it('lets exactly one of several concurrent cancels win', async () => {
      const alice = randomUUID();
      const token = await user(alice);
      // Ten orders at once, five cancels each, so queries of different requests interleave on
      // the connection pool as they would under load (PGlite serialises them; PostgreSQL not).
      const ids = await Promise.all(Array.from({ length: 10 }, () => seed(alice)));
      const attempts = ids.flatMap((id) => Array.from({ length: 5 }, () => id));
      const results = await Promise.all(
        attempts.map((id) => cancel(id, token).then((r) => ({ id, status: r.status }))),
      );
      for (const id of ids) {
        const statuses = results.filter((r) => r.id === id).map((r) => r.status);
        expect(statuses.sort()).toEqual([200, 409, 409, 409, 409]);
      }
    });

    it('answers 400 for an id that is not a UUID', async () => {
      await expectProblem(await cancel('42', await user()), 400, 'validation_failed');
    });

    it(`takes a cancelled order out of the ${Subjects.OrdersSummary} count and total`, async () => {
      const alice = randomUUID();
      const token = await user(alice);
      const cheap = await seed(alice, { unitPriceCents: 1000 });
      await seed(alice, { unitPriceCents: 2500 });
      const summary = () =>
        h.rpc.request(Subjects.OrdersSummary, { userId: alice }, OrdersSummaryReply, {
          authorization: `Bearer ${token}`,
        });
      await expect(summary()).resolves.toEqual({ count: 2, totalCents: 7000 });
      expect((await cancel(cheap, token)).status).toBe(200);
      await expect(summary()).resolves.toEqual({ count: 1, totalCents: 5000 });
    });
  });

  describe('Cache-Control', () => {
    it('is no-store on every answer to an authenticated request, refusals included', async () => {
      const alice = randomUUID();
      const token = await user(alice);
      const id = await seed(alice);
      const answers = [
        await get('/orders', token),
        await get(`/orders/${id}`, token),
        await get(`/orders/${randomUUID()}`, token),
        await get(`/orders/${id}`, await user()),
        await get('/orders?limit=0', token),
        await get('/orders', 'not-a-token'),
        await get('/orders', await h.token(alice, { roles: [] })),
        await cancel(id, token),
        await fetch(`${h.url}/orders`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: '{"items": [',
        }),
      ];
      expect(answers.map((r) => r.status)).toEqual([200, 200, 404, 404, 400, 401, 403, 200, 400]);
      for (const res of answers) {
        expect(res.headers.get('cache-control')).toBe('no-store');
      }
    });

    it('leaves the public answers as they were', async () => {
      const res = await get('/health/live');
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBeNull();
    });
  });
});
