import type { FastifyRequest } from 'fastify';

import { InvalidAuthRequestError, InvalidTokenError, MissingTokenError } from '../auth.errors';
import { tokenFromHttp } from './token-extraction';

function request(headers: [string, string][], cookies: Record<string, string> = {}): FastifyRequest {
  return { raw: { rawHeaders: headers.flat() }, cookies } as unknown as FastifyRequest;
}

describe('tokenFromHttp', () => {
  it('reads one Bearer header, whatever the scheme’s case', () => {
    expect(tokenFromHttp(request([['Authorization', 'bearer a.b.c']]))).toBe('a.b.c');
  });

  it('refuses two Authorization headers with 400 invalid_request', () => {
    const twice = request([
      ['authorization', 'Bearer a.b.c'],
      ['Authorization', 'Bearer a.b.c'],
    ]);
    expect(() => tokenFromHttp(twice)).toThrow(InvalidAuthRequestError);
  });

  it('answers a missing token without an error code, and a non-Bearer one as invalid', () => {
    expect(() => tokenFromHttp(request([]))).toThrow(MissingTokenError);
    expect(() => tokenFromHttp(request([['authorization', 'Basic dXNlcjpwYXNz']]))).toThrow(InvalidTokenError);
  });

  describe('with an access-token cookie configured', () => {
    it('takes the token from the cookie when no header is sent', () => {
      expect(tokenFromHttp(request([], { at: 'c.o.k' }), 'at')).toBe('c.o.k');
    });

    it('accepts a header and a cookie that carry the same token', () => {
      expect(tokenFromHttp(request([['authorization', 'Bearer a.b.c']], { at: 'a.b.c' }), 'at')).toBe('a.b.c');
    });

    it('refuses a header and a cookie that disagree with 400 invalid_request', () => {
      expect(() => tokenFromHttp(request([['authorization', 'Bearer a.b.c']], { at: 'x.y.z' }), 'at')).toThrow(
        InvalidAuthRequestError,
      );
    });

    it('ignores cookies when no cookie name is configured', () => {
      expect(() => tokenFromHttp(request([], { at: 'c.o.k' }))).toThrow(MissingTokenError);
    });
  });
});
