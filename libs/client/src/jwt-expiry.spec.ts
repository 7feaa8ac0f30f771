import { expiresAt } from './jwt-expiry';
import { parseAuthError, parseRetryAfter } from './tessera-api-error';

const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('expiresAt', () => {
  it('reads exp, in milliseconds, from an unverified JWT', () => {
    expect(expiresAt(`${part({ alg: 'RS256' })}.${part({ exp: 1_700_000_000, name: 'Zoë' })}.sig`)).toBe(
      1_700_000_000_000,
    );
  });

  it('returns undefined for a token it cannot read', () => {
    expect(expiresAt('opaque')).toBeUndefined();
    expect(expiresAt('a.!!!.c')).toBeUndefined();
    expect(expiresAt(`a.${part({ exp: 'soon' })}.c`)).toBeUndefined();
  });
});

describe('response headers', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('120', 0)).toBe(120);
    expect(parseRetryAfter(new Date(90_000).toUTCString(), 0)).toBe(90);
    expect(parseRetryAfter(null, 0)).toBeUndefined();
  });

  it('reads the error parameter of a Bearer challenge', () => {
    expect(parseAuthError('Bearer realm="tessera", error="invalid_token", error_description="expired"')).toBe(
      'invalid_token',
    );
    expect(parseAuthError('Bearer realm="tessera"')).toBeUndefined();
  });
});
