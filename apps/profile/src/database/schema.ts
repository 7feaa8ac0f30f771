import { jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { ShippingAddress } from '@tessera/contracts';

export const profiles = pgTable('profiles', {
  userId: uuid('user_id').primaryKey(),
  displayName: text('display_name'),
  shippingAddress: jsonb('shipping_address').$type<ShippingAddress>(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const schema = { profiles };
export type ProfileSchema = typeof schema;
