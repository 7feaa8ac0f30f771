import { InvalidCursorError } from './orders.errors';

/** A position in a list ordered by (createdAt, id) descending: the last order of a page. */
export interface OrderCursor {
  createdAt: Date;
  id: string;
}

const ALPHABET = /^[A-Za-z0-9_-]{1,128}$/;
const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Opaque to clients: base64url of `createdAt|id`. */
export function encodeCursor(cursor: OrderCursor): string {
  return Buffer.from(`${cursor.createdAt.toISOString()}|${cursor.id}`).toString('base64url');
}

/**
 * The inverse of encodeCursor, accepting only what it produces: Buffer's base64 decoder skips
 * characters outside the alphabet instead of failing, so anything that does not re-encode to
 * the same string is refused rather than read as some other position.
 */
export function decodeCursor(value: string): OrderCursor {
  if (!ALPHABET.test(value)) {
    throw new InvalidCursorError();
  }
  const parts = Buffer.from(value, 'base64url').toString('utf8').split('|');
  const [createdAt, id] = parts;
  if (parts.length !== 2 || !createdAt || !id || !ISO_MILLIS.test(createdAt) || !UUID.test(id)) {
    throw new InvalidCursorError();
  }
  const cursor = { createdAt: new Date(createdAt), id };
  if (Number.isNaN(cursor.createdAt.getTime()) || encodeCursor(cursor) !== value) {
    throw new InvalidCursorError();
  }
  return cursor;
}
