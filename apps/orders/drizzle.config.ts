import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  // The platform's outbox table lives in this database too (events published after commit).
  schema: ['./apps/orders/src/database/schema.ts', './libs/platform/src/events/outbox.table.ts'],
  out: './apps/orders/migrations',
});
