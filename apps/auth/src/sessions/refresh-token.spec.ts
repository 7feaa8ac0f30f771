import { generateRefreshToken, hashRefreshToken, isRefreshTokenFormat } from './refresh-token';

describe('refresh tokens', () => {
  it('are 256 random bits in base64url', () => {
    const token = generateRefreshToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
  });

  it('never repeat', () => {
    const tokens = new Set(Array.from({ length: 1000 }, generateRefreshToken));
    expect(tokens.size).toBe(1000);
  });

  it('are stored as a SHA-256 that does not contain the token', () => {
    const token = generateRefreshToken();
    const hash = hashRefreshToken(token);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).toBe(hashRefreshToken(token));
    expect(hash).not.toContain(token);
  });

  it('recognise only their own format', () => {
    expect(isRefreshTokenFormat(generateRefreshToken())).toBe(true);
    expect(isRefreshTokenFormat('')).toBe(false);
    expect(isRefreshTokenFormat(`${generateRefreshToken()}A`)).toBe(false);
    expect(isRefreshTokenFormat('a'.repeat(42) + '=')).toBe(false);
  });
});
