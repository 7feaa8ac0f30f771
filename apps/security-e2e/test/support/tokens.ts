import { createHmac, randomUUID } from 'node:crypto';

import { publishTestKey, signTestToken, type TestSigningKey, type TestTokenOptions } from '@tessera/auth/testing';
import { testNatsUrl } from '@tessera/platform/testing';
import type { JWK } from 'jose';

import { expectInvalidToken, expectRpc } from './expect';
import { ISSUER, type SecuritySystem } from './system';

/** The audience auth writes into every user token. */
export const AUDIENCE = ['auth', 'orders', 'profile'];

export const b64 = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export const decodePart = (token: string, index: 0 | 1): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[index], 'base64url').toString('utf8')) as Record<string, unknown>;

/** Claims exactly as auth issues them to a user, with the test's changes (`undefined` removes one). */
export function userClaims(sub: string, changes: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: ISSUER,
    sub,
    aud: AUDIENCE,
    iat: now,
    nbf: now,
    exp: now + 600,
    jti: randomUUID(),
    roles: ['user', 'admin'],
    scope: 'orders:read orders:write profile:read profile:write',
  };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) {
      delete claims[name];
    } else {
      claims[name] = value;
    }
  }
  return claims;
}

/** An HS256 JWS over exactly this header and payload, keyed by `secret` (the "algorithm confusion" forgery). */
export function hmacToken(secret: Buffer | string, header: Record<string, unknown>, payload: unknown): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** The issuer's current public key, as anyone can read it from the JWKS. */
export async function issuerJwk(s: SecuritySystem): Promise<JWK & { kid: string }> {
  const res = await s.call('auth', 'GET', '/.well-known/jwks.json');
  const keys = res.body.keys as (JWK & { kid: string })[];
  return keys[0];
}

/**
 * Makes the verifying services trust `key` as auth would (its public JWK in the key bucket),
 * and waits until orders and profile accept a token signed with it: from then on a refusal of
 * one of its tokens is about the claims, never about an unknown key.
 */
export async function trustTestKey(s: SecuritySystem, key: TestSigningKey): Promise<void> {
  await publishTestKey(testNatsUrl(), s.namespace, key);
  const probe = await signTestToken(key, { issuer: ISSUER, audience: AUDIENCE });
  for (let i = 0; i < 100; i++) {
    const [orders, profile] = await Promise.all([
      s.call('orders', 'GET', '/orders', { token: probe }),
      s.call('profile', 'GET', '/profile/me', { token: probe }),
    ]);
    if (orders.status === 200 && profile.status === 200) {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the test key was not trusted within 10 s');
}

/** A token from the trusted test key, for a given user, shaped as auth's. */
export function trustedToken(key: TestSigningKey, sub: string, options: Partial<TestTokenOptions> = {}) {
  return signTestToken(key, { issuer: ISSUER, audience: AUDIENCE, sub, roles: ['user'], ...options });
}

/**
 * The token is refused by every verifier with the same RFC 6750 answer: over HTTP by orders
 * and profile (401 invalid_token, Bearer challenge), over NATS by the profile.get.v1 and
 * orders.summary.v1 handlers (an error reply with status 401, code invalid_token).
 */
export async function expectRefusedEverywhere(s: SecuritySystem, token: string, userId: string): Promise<void> {
  const [orders, profile, profileRpc, ordersRpc] = await Promise.all([
    s.call('orders', 'GET', '/orders', { token }),
    s.call('profile', 'GET', '/profile/me', { token }),
    s.rpcCall('profile', userId, `Bearer ${token}`),
    s.rpcCall('orders', userId, `Bearer ${token}`),
  ]);
  expectInvalidToken(orders);
  expectInvalidToken(profile);
  expectRpc(profileRpc, 401, 'invalid_token');
  expectRpc(ordersRpc, 401, 'invalid_token');
}

/** The positive control: the same four calls all succeed with this token. */
export async function expectAcceptedEverywhere(s: SecuritySystem, token: string, userId: string): Promise<void> {
  const [orders, profile, profileRpc, ordersRpc] = await Promise.all([
    s.call('orders', 'GET', '/orders', { token }),
    s.call('profile', 'GET', '/profile/me', { token }),
    s.rpcCall('profile', userId, `Bearer ${token}`),
    s.rpcCall('orders', userId, `Bearer ${token}`),
  ]);
  expect([orders.status, profile.status, profileRpc.status, ordersRpc.status]).toEqual([200, 200, 200, 200]);
}
