import { jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * The transactional outbox: an event is written in the same transaction as the change it
 * announces, then published to JetStream by OutboxRelay. A crash or a NATS outage between
 * commit and publish loses nothing; the event id is the JetStream message id, so a retried
 * publish is deduplicated.
 *
 * Each app that publishes events owns this table in its own database: list this file in the
 * app's drizzle.config.ts `schema` so its migrations create it. Kept free of any import but
 * drizzle so drizzle-kit can load it.
 */
export const outboxEvents = pgTable('outbox_events', {
  id: uuid('id').primaryKey().defaultRandom(),
  subject: text('subject').notNull(),
  payload: jsonb('payload').$type<object>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
