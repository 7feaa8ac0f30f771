import { decodeCursor, encodeCursor, INVALID_CURSOR, InvalidCursorError } from './cursor';
import { isCanonicalUuid } from './ids';

const id = '3f1c2b9e-8d7a-4c6b-9a5e-1f2d3c4b5a69';
const createdAt = '2026-03-01T12:34:56.789Z';
const isDigits = (field: string) => /^\d+$/.test(field);
const b64 = (text: string) => Buffer.from(text).toString('base64url');

function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('cursor codec', () => {
  it('round-trips one field as base64url of the text itself', () => {
    const cursor = encodeCursor([id]);
    expect(cursor).toBe(b64(id));
    expect(cursor).toMatch(/^[A-Za-z0-9_-]{48}$/);
    expect(decodeCursor(cursor, [isCanonicalUuid])).toEqual([id]);
  });

  it('round-trips several fields as base64url of the fields joined by |', () => {
    const cursor = encodeCursor([createdAt, id]);
    expect(Buffer.from(cursor, 'base64url').toString()).toBe(`${createdAt}|${id}`);
    expect(decodeCursor(cursor, [(f) => f === createdAt, isCanonicalUuid])).toEqual([createdAt, id]);
  });

  it('refuses to encode a field holding the separator, which would not decode to the same fields', () => {
    expect(() => encodeCursor(['a|b'])).toThrow('may not contain');
  });

  it.each([
    ['an empty string', ''],
    ['characters outside base64url', `${encodeCursor([id])}!`],
    ['standard base64 padding', `${encodeCursor(['12'])}=`],
    ['a shorter value', encodeCursor([id]).slice(0, 44)],
    ['base64 of something else', b64('x'.repeat(36))],
    ['an upper-case UUID, which the API never writes', encodeCursor([id.toUpperCase()])],
    ['an over-long value', 'A'.repeat(129)],
  ])('refuses %s with 400 invalid_cursor', (_name, value) => {
    const error = errorOf(() => decodeCursor(value, [isCanonicalUuid]));
    expect(error).toBeInstanceOf(InvalidCursorError);
    expect(error).toMatchObject({ status: 400, code: INVALID_CURSOR });
  });

  it.each([
    ['text with no separator', b64('12')],
    ['a third field', b64('12|34|56')],
    ['an empty field', b64('12|')],
    ['a field failing its check', b64(`12|${id}`)],
  ])('refuses %s where two fields are expected', (_name, value) => {
    expect(() => decodeCursor(value, [isDigits, isDigits])).toThrow(InvalidCursorError);
  });

  it('refuses a value whose base64url does not re-encode to itself', () => {
    // "12" is MTI; the last character carries 2 spare bits, so MTJ decodes to the same bytes.
    expect(encodeCursor(['12'])).toBe('MTI');
    const other = 'MTJ';
    expect(Buffer.from(other, 'base64url').toString()).toBe('12');
    expect(() => decodeCursor(other, [isDigits])).toThrow(InvalidCursorError);
  });
});
