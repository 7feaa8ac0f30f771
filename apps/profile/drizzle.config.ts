import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './apps/profile/src/database/schema.ts',
  out: './apps/profile/migrations',
});
