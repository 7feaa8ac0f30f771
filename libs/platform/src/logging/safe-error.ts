import { DrizzleQueryError } from 'drizzle-orm';
import pino from 'pino';

/** An SQLSTATE: five digits or capital letters (`23505`, `42P01`). */
const SQLSTATE = /^[0-9A-Z]{5}$/;

/** How many `cause` links are followed looking for a database error. */
const MAX_CAUSE_DEPTH = 5;

/**
 * What a log line may say about a failed database query: its SQLSTATE and the names of the
 * constraint, table and column involved. Never the query, its parameters, the driver's message
 * (`invalid input syntax for type uuid: "…"`) or its `detail` (`Key (email)=(…) already
 * exists`, `Failing row contains (…)`): those carry the values written, such as an email, a
 * password hash or an address.
 */
export interface DatabaseErrorSummary {
  type: 'DatabaseError';
  message: string;
  code?: string;
  constraint?: string;
  table?: string;
  column?: string;
}

type Fields = Record<string, unknown>;

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null;
}

/** A driver's error (pg's DatabaseError, PGlite's): an SQLSTATE `code` and a severity. */
function isDriverError(value: Fields): boolean {
  return typeof value.code === 'string' && SQLSTATE.test(value.code) && typeof value.severity === 'string';
}

/** The errors of a failed query, outermost first: drizzle's wrapper and the driver's error. */
function databaseErrors(error: unknown): Fields[] {
  const found: Fields[] = [];
  let current: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && isObject(current); depth++) {
    if (current instanceof DrizzleQueryError || isDriverError(current)) {
      found.push(current);
    }
    current = current.cause;
  }
  return found;
}

/** Whether `error` is, or was caused by, a failed database query. */
export function isDatabaseError(error: unknown): boolean {
  return databaseErrors(error).length > 0;
}

function name(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= 128 ? value : undefined;
}

/** The loggable summary of a failed query, or undefined when `error` is not one. */
export function databaseErrorSummary(error: unknown): DatabaseErrorSummary | undefined {
  const errors = databaseErrors(error);
  if (errors.length === 0) {
    return undefined;
  }
  const driver = errors.find(isDriverError) ?? {};
  const summary: DatabaseErrorSummary = { type: 'DatabaseError', message: 'database query failed' };
  for (const field of ['code', 'constraint', 'table', 'column'] as const) {
    const value = name(driver[field]);
    if (value !== undefined) {
      summary[field] = value;
    }
  }
  const said = (['code', 'constraint', 'table', 'column'] as const)
    .filter((field) => summary[field] !== undefined)
    .map((field) => `${field} ${summary[field]}`);
  if (said.length > 0) {
    summary.message = `database query failed (${said.join(', ')})`;
  }
  return summary;
}

/**
 * `Name: message` of an error for a log line, with a failed query reduced to its SQLSTATE,
 * constraint and table (see DatabaseErrorSummary): use it wherever an error's text is logged.
 */
export function describeError(error: unknown): string {
  const summary = databaseErrorSummary(error);
  if (summary) {
    return `${summary.type}: ${summary.message}`;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : typeof error;
}

/**
 * An error's message for a log line (`… failed: <message>`), with a failed query reduced to
 * its SQLSTATE, constraint and table: use it instead of `error.message` wherever one is logged.
 */
export function errorMessage(error: unknown): string {
  const summary = databaseErrorSummary(error);
  if (summary) {
    return summary.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The stack frames of an error under describeError's first line: the message never repeats. */
export function describeStack(error: unknown): string | undefined {
  if (!(error instanceof Error) || typeof error.stack !== 'string') {
    return undefined;
  }
  const frames = error.stack.split('\n').filter((line) => /^\s+at /.test(line));
  return [describeError(error), ...frames].join('\n');
}

/**
 * pino's `err` serializer: pino's own, except that a failed query becomes its summary (and
 * its stack frames), so no parameter, query text or driver detail reaches the line.
 */
export function serializeError(error: unknown): unknown {
  const summary = databaseErrorSummary(error);
  if (summary) {
    return { ...summary, stack: describeStack(error) };
  }
  return error instanceof Error ? pino.stdSerializers.err(error) : error;
}
