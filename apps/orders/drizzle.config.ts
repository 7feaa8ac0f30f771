import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './apps/orders/src/database/schema.ts',
  out: './apps/orders/migrations',
});
