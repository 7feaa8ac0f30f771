/**
 * A UUID in its hyphenated text form, any case: RFC 9562 §4 makes the hex digits
 * case-insensitive on input, so `3F1C…` names the same id as `3f1c…`.
 */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * True for a UUID in any case. Checked before an id reaches a `uuid` column: PostgreSQL fails
 * the whole query on text that is not one, where the caller wants "no such row".
 */
export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/**
 * True only for the lower-case form, the one PostgreSQL and `crypto.randomUUID()` write (RFC
 * 9562 §4: output is lower case). For values this API produced itself, such as a cursor, where
 * any other spelling means the value was not one it issued.
 */
export function isCanonicalUuid(value: string): boolean {
  return isUuid(value) && value === value.toLowerCase();
}
