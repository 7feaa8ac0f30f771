import { createHash, randomBytes } from 'node:crypto';

/** 256 bits: far beyond guessing, so one fast hash protects it at rest. */
const TOKEN_BYTES = 32;
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/** A new opaque refresh token: 32 random bytes, base64url without padding (43 characters). */
export function generateRefreshToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/**
 * What the database stores and looks up: hex SHA-256. A slow password hash buys nothing for a
 * 256-bit random value and would stop the lookup by index; a database leak still yields no
 * token that can be presented (RFC 9700 §4.14.2 and ASVS 5.0 §7.2: session tokens at rest).
 */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** True when `value` could have come from generateRefreshToken; anything else is never looked up. */
export function isRefreshTokenFormat(value: string): boolean {
  return TOKEN_FORMAT.test(value);
}
