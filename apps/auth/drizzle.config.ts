import { defineConfig } from 'drizzle-kit';

// Run from the repository root:
//   npx drizzle-kit generate --config apps/auth/drizzle.config.ts --name <what-changed>
// The app applies apps/auth/migrations itself at start; drizzle-kit only writes them.
export default defineConfig({
  dialect: 'postgresql',
  // The platform's outbox table lives in this database too (events published after commit).
  schema: ['./apps/auth/src/database/schema.ts', './libs/platform/src/events/outbox.table.ts'],
  out: './apps/auth/migrations',
});
