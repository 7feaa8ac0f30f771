import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The device cookie of OWASP's "Slow Down Online Guessing Attacks with Device Cookies": proof that
 * this browser or client signed in to this account before. Its value is
 * `v1.<base64url JSON {a: account id, n: nonce, i: issued-at seconds}>.<base64url HMAC-SHA256>`.
 * The MAC covers the version and the payload; a token that is forged, altered, too old, issued
 * in the future or not for the account signing in is no device token at all: the sign-in is
 * throttled as from an unknown device.
 */
export interface DeviceClaims {
  accountId: string;
  /** 128 random bits, base64url: the key of this cookie's own counter and lockout. */
  nonce: string;
  /** Seconds since the epoch. */
  issuedAt: number;
}

const VERSION = 'v1';
/** Far above a real token (about 150 characters); anything longer is refused unparsed. */
const MAX_TOKEN_LENGTH = 400;
const NONCE_BYTES = 16;
/** A token issued this far in the future is still accepted (clocks of replicas differ a little). */
const CLOCK_SKEW_SECONDS = 60;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const ACCOUNT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NONCE = new RegExp(`^[A-Za-z0-9_-]{${Math.ceil((NONCE_BYTES * 4) / 3)}}$`);
/** HKDF "info": this key is for device cookies only, unrelated to any other key from the same secret. */
const KEY_INFO = 'tessera device cookie v1';

/** The 32-byte MAC key, derived (HKDF-SHA256) from auth's key-encryption key. */
export function deriveDeviceCookieKey(secret: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), KEY_INFO, 32));
}

export function newDeviceClaims(accountId: string, now: Date): DeviceClaims {
  return {
    accountId,
    nonce: randomBytes(NONCE_BYTES).toString('base64url'),
    issuedAt: Math.floor(now.getTime() / 1000),
  };
}

export function signDeviceToken(key: Buffer, claims: DeviceClaims): string {
  const payload = Buffer.from(
    JSON.stringify({ a: claims.accountId, n: claims.nonce, i: claims.issuedAt }),
    'utf8',
  ).toString('base64url');
  return `${VERSION}.${payload}.${mac(key, payload)}`;
}

/**
 * The claims of a genuine token no older than `lifetimeSeconds`; undefined for anything else,
 * never an exception: whatever a client sends as the cookie, the sign-in goes on.
 */
export function verifyDeviceToken(
  key: Buffer,
  token: string,
  lifetimeSeconds: number,
  now: Date,
): DeviceClaims | undefined {
  if (token.length > MAX_TOKEN_LENGTH) {
    return undefined;
  }
  const [version, payload, signature, ...rest] = token.split('.');
  if (version !== VERSION || !payload || !signature || rest.length > 0) {
    return undefined;
  }
  if (!BASE64URL.test(payload) || !BASE64URL.test(signature)) {
    return undefined;
  }
  const expected = Buffer.from(mac(key, payload), 'base64url');
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return undefined;
  }
  const claims = parseClaims(payload);
  if (!claims) {
    return undefined;
  }
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (claims.issuedAt > nowSeconds + CLOCK_SKEW_SECONDS || nowSeconds - claims.issuedAt >= lifetimeSeconds) {
    return undefined;
  }
  return claims;
}

/** When a token with these claims stops being accepted. */
export function deviceTokenExpiry(claims: DeviceClaims, lifetimeSeconds: number): Date {
  return new Date((claims.issuedAt + lifetimeSeconds) * 1000);
}

function mac(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(`${VERSION}.${payload}`).digest('base64url');
}

function parseClaims(payload: string): DeviceClaims | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) {
    return undefined;
  }
  const { a, n, i } = parsed as Record<string, unknown>;
  if (typeof a !== 'string' || !ACCOUNT_ID.test(a) || typeof n !== 'string' || !NONCE.test(n)) {
    return undefined;
  }
  if (typeof i !== 'number' || !Number.isSafeInteger(i) || i < 0) {
    return undefined;
  }
  return { accountId: a, nonce: n, issuedAt: i };
}
