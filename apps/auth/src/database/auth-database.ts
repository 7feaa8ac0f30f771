import type { Database } from '@tessera/platform';

import type * as schema from './schema';

/** The auth app's drizzle database, as injected under the platform's DATABASE token. */
export type AuthDatabase = Database<typeof schema>;

const UNIQUE_VIOLATION = '23505';

/**
 * True when `error` (or an error it wraps) is PostgreSQL's unique_violation on `constraint`.
 * pg and PGlite both report the SQLSTATE in `code`; drizzle may wrap it in `cause`.
 */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const e = current as { code?: unknown; constraint?: unknown; cause?: unknown };
    if (e.code === UNIQUE_VIOLATION) {
      return e.constraint === constraint;
    }
    current = e.cause;
  }
  return false;
}
