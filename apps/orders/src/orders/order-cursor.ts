import { decodeCursor, encodeCursor, InvalidCursorError, isCanonicalUuid } from '@tessera/platform';

/** A position in a list ordered by (createdAt, id) descending: the last order of a page. */
export interface OrderCursor {
  createdAt: Date;
  id: string;
}

const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const isIsoMillis = (text: string) => ISO_MILLIS.test(text);

/** Opaque to clients: base64url of `createdAt|id`. */
export function encodeOrderCursor(cursor: OrderCursor): string {
  return encodeCursor([cursor.createdAt.toISOString(), cursor.id]);
}

/** The inverse of encodeOrderCursor; a date that does not exist (Feb 30) is refused too. */
export function decodeOrderCursor(value: string): OrderCursor {
  const [createdAt, id] = decodeCursor(value, [isIsoMillis, isCanonicalUuid]);
  const cursor = { createdAt: new Date(createdAt), id };
  if (Number.isNaN(cursor.createdAt.getTime()) || encodeOrderCursor(cursor) !== value) {
    throw new InvalidCursorError();
  }
  return cursor;
}
