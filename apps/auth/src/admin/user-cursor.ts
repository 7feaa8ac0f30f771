import { InvalidCursorError } from './admin.errors';

const ALPHABET = /^[A-Za-z0-9_-]{48}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Opaque to clients: base64url of the last user id of a page. The position is that user's
 * (createdAt, id), read in SQL: `created_at` has microseconds, which a JS Date would round away.
 */
export function encodeUserCursor(lastUserId: string): string {
  return Buffer.from(lastUserId).toString('base64url');
}

/**
 * The inverse of encodeUserCursor, accepting only what it produces: Buffer's base64 decoder
 * skips characters outside the alphabet instead of failing, so anything that does not
 * re-encode to the same string is refused rather than read as some other position.
 */
export function decodeUserCursor(value: string): string {
  if (!ALPHABET.test(value)) {
    throw new InvalidCursorError();
  }
  const id = Buffer.from(value, 'base64url').toString('utf8');
  if (!UUID.test(id) || encodeUserCursor(id) !== value) {
    throw new InvalidCursorError();
  }
  return id;
}
