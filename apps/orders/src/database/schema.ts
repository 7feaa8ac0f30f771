import { bigint, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { ShippingAddress } from '@tessera/contracts';

export const orders = pgTable(
  'orders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').notNull(),
    status: text('status', { enum: ['placed', 'cancelled'] }).notNull(),
    totalCents: bigint('total_cents', { mode: 'number' }).notNull(),
    shippingAddress: jsonb('shipping_address').$type<ShippingAddress>().notNull(),
    // Millisecond precision, as in a JS Date, so a list cursor carrying createdAt names exactly
    // the row it came from (microseconds cut off in the cursor would skip rows of a tie).
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  // Keyset pagination orders by (created_at, id): one index per listing, a user's and everyone's.
  (t) => [
    index('orders_user_created_id_idx').on(t.userId, t.createdAt, t.id),
    index('orders_created_id_idx').on(t.createdAt, t.id),
  ],
);

export const orderItems = pgTable(
  'order_items',
  {
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    sku: text('sku').notNull(),
    quantity: integer('quantity').notNull(),
    unitPriceCents: bigint('unit_price_cents', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.position] })],
);

export const schema = { orders, orderItems };
export type OrdersSchema = typeof schema;
