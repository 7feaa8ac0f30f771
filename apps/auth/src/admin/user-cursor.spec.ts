import { AdminErrorCode, InvalidCursorError } from './admin.errors';
import { decodeUserCursor, encodeUserCursor } from './user-cursor';

const id = '3f1c2b9e-8d7a-4c6b-9a5e-1f2d3c4b5a69';

describe('user cursor', () => {
  it('round-trips an id', () => {
    const cursor = encodeUserCursor(id);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]{48}$/);
    expect(decodeUserCursor(cursor)).toBe(id);
  });

  it.each([
    ['empty', ''],
    ['not base64url', '!'.repeat(48)],
    ['a shorter value', encodeUserCursor(id).slice(0, 44)],
    ['base64 of something else', Buffer.from('x'.repeat(36)).toString('base64url')],
    ['an upper-case UUID', encodeUserCursor(id.toUpperCase())],
  ])('refuses %s with 400 invalid_cursor', (_name, value) => {
    const error = (() => {
      try {
        decodeUserCursor(value);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidCursorError);
    expect(error).toMatchObject({ status: 400, code: AdminErrorCode.InvalidCursor });
  });
});
