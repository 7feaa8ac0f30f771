import { TesseraError } from '../errors/tessera-error';

export const INVALID_CURSOR = 'invalid_cursor';

/** A `cursor` that this API did not issue: edited, truncated, from another list, or stale. */
export class InvalidCursorError extends TesseraError {
  constructor() {
    super(INVALID_CURSOR, 400, 'The cursor is not one this API returned; start again without it.');
  }
}

/** Accepts the text of one field of a cursor, as decodeCursor found it. */
export type CursorFieldCheck = (field: string) => boolean;

type CursorFields<T extends readonly CursorFieldCheck[]> = { -readonly [K in keyof T]: string };

const SEPARATOR = '|';
/** base64url without padding, no longer than CursorPageQuery lets a `cursor` be. */
const ALPHABET = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Opaque to clients: base64url of the fields joined by `|`, e.g. the (createdAt, id) of a
 * page's last row. A field must not contain `|`; that would be a bug in the caller.
 */
export function encodeCursor(fields: readonly string[]): string {
  if (fields.some((field) => field.includes(SEPARATOR))) {
    throw new Error(`a cursor field may not contain "${SEPARATOR}"`);
  }
  return Buffer.from(fields.join(SEPARATOR)).toString('base64url');
}

/**
 * The inverse of encodeCursor, accepting only what it produces: exactly one field per check,
 * each passing its check. Buffer's base64 decoder skips characters outside the alphabet
 * instead of failing, so anything that does not re-encode to the same string is refused
 * rather than read as some other position.
 */
export function decodeCursor<const T extends readonly CursorFieldCheck[]>(value: string, checks: T): CursorFields<T> {
  if (!ALPHABET.test(value)) {
    throw new InvalidCursorError();
  }
  const fields = Buffer.from(value, 'base64url').toString('utf8').split(SEPARATOR);
  if (fields.length !== checks.length || !fields.every((field, i) => checks[i](field))) {
    throw new InvalidCursorError();
  }
  if (encodeCursor(fields) !== value) {
    throw new InvalidCursorError();
  }
  return fields as CursorFields<T>;
}
