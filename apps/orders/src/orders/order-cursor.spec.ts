import { InvalidCursorError } from '@tessera/platform';

import { decodeOrderCursor, encodeOrderCursor } from './order-cursor';

const position = { createdAt: new Date('2026-03-01T12:34:56.789Z'), id: '0b9f3c52-7d0e-4a55-9a51-3f1f0e2b8c41' };
const b64 = (text: string) => Buffer.from(text).toString('base64url');

// The codec's own rules (alphabet, padding, field count, re-encoding) are in
// libs/platform/src/http/cursor.spec.ts; these are the rules of an order's position.
describe('order cursor', () => {
  it('round-trips a position as base64url of createdAt|id', () => {
    const cursor = encodeOrderCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(Buffer.from(cursor, 'base64url').toString()).toBe(`${position.createdAt.toISOString()}|${position.id}`);
    expect(decodeOrderCursor(cursor)).toEqual(position);
  });

  it.each([
    ['an empty string', ''],
    ['characters outside base64url', `${encodeOrderCursor(position)}!`],
    ['text with no separator', b64('hello')],
    ['a third part', b64(`${position.createdAt.toISOString()}|${position.id}|x`)],
    ['an id that is not a uuid', b64(`${position.createdAt.toISOString()}|42`)],
    ['an upper-case id', b64(`${position.createdAt.toISOString()}|${position.id.toUpperCase()}`)],
    ['a date without milliseconds', b64(`2026-03-01T12:34:56Z|${position.id}`)],
    ['an impossible date', b64(`2026-02-30T00:00:00.000Z|${position.id}`)],
    ['a number for a date', b64(`1700000000000|${position.id}`)],
  ])('refuses %s', (_name, value) => {
    expect(() => decodeOrderCursor(value)).toThrow(InvalidCursorError);
  });
});
