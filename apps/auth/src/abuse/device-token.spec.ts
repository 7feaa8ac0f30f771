import { createHmac, randomBytes } from 'node:crypto';

import type { DeviceClaims } from './device-token';
import { deriveDeviceCookieKey, newDeviceClaims, signDeviceToken, verifyDeviceToken } from './device-token';

const DAY = 86_400;
const now = new Date('2030-01-01T00:00:00Z');
const accountId = '3f1c2a4e-8b7d-4c6a-9e2f-1a2b3c4d5e6f';

describe('device tokens', () => {
  const key = deriveDeviceCookieKey(randomBytes(32));
  const claims = newDeviceClaims(accountId, now);
  const token = signDeviceToken(key, claims);
  const verify = (t: string, at = now, lifetime = 30 * DAY) => verifyDeviceToken(key, t, lifetime, at);

  /** A token with the MAC of `key` over any payload, as a holder of the key could make. */
  function withPayload(payload: unknown, macKey = key): string {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    const mac = createHmac('sha256', macKey).update(`v1.${body}`).digest('base64url');
    return `v1.${body}.${mac}`;
  }

  it('verifies a token it signed and gives back its claims', () => {
    expect(token).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verify(token)).toEqual(claims);
    expect(claims.nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(claims.issuedAt).toBe(now.getTime() / 1000);
  });

  it('gives every token a nonce of its own', () => {
    const nonces = new Set(Array.from({ length: 50 }, () => newDeviceClaims(accountId, now).nonce));
    expect(nonces.size).toBe(50);
  });

  it('derives a key of its own from the secret: the same secret, the same key; another, another', () => {
    const secret = randomBytes(32);
    expect(deriveDeviceCookieKey(secret)).toEqual(deriveDeviceCookieKey(secret));
    expect(deriveDeviceCookieKey(secret)).toHaveLength(32);
    expect(deriveDeviceCookieKey(secret).equals(secret)).toBe(false);
    expect(deriveDeviceCookieKey(randomBytes(32)).equals(deriveDeviceCookieKey(secret))).toBe(false);
  });

  it('refuses a token signed with another key', () => {
    const other = deriveDeviceCookieKey(randomBytes(32));
    expect(verify(signDeviceToken(other, claims))).toBeUndefined();
  });

  it('refuses a token whose payload or MAC was altered', () => {
    const [version, payload, mac] = token.split('.') as [string, string, string];
    const forged = Buffer.from(
      JSON.stringify({ a: accountId.replace('3f', '4f'), n: claims.nonce, i: claims.issuedAt }),
    );
    expect(verify(`${version}.${forged.toString('base64url')}.${mac}`)).toBeUndefined();
    const flipped = `${mac.slice(0, 10)}${mac[10] === 'A' ? 'B' : 'A'}${mac.slice(11)}`;
    expect(verify(`${version}.${payload}.${flipped}`)).toBeUndefined();
    expect(verify(`${version}.${payload}.${mac.slice(0, 20)}`)).toBeUndefined();
    expect(verify(`v2.${payload}.${mac}`)).toBeUndefined();
    expect(verify(`${version}.${payload}`)).toBeUndefined();
    expect(verify(`${token}.x`)).toBeUndefined();
  });

  it('refuses an expired token and one issued in the future', () => {
    expect(verify(token, new Date(now.getTime() + (30 * DAY - 1) * 1000))).toEqual(claims);
    expect(verify(token, new Date(now.getTime() + 30 * DAY * 1000))).toBeUndefined();
    expect(verify(token, new Date(now.getTime() + 2 * 1000), 1)).toBeUndefined();
    const future: DeviceClaims = { ...claims, issuedAt: claims.issuedAt + 3600 };
    expect(verify(signDeviceToken(key, future))).toBeUndefined();
    // Replicas' clocks may differ by a minute.
    expect(verify(signDeviceToken(key, { ...claims, issuedAt: claims.issuedAt + 30 }))).toBeDefined();
  });

  it('refuses a correctly signed payload of the wrong shape', () => {
    const good = { a: accountId, n: claims.nonce, i: claims.issuedAt };
    expect(verify(withPayload(good))).toEqual(claims);
    for (const bad of [
      null,
      [],
      'text',
      { ...good, a: 'admin' },
      { ...good, a: accountId.toUpperCase() },
      { ...good, n: 'short' },
      { ...good, n: 42 },
      { ...good, i: '1893456000' },
      { ...good, i: 1.5 },
      { ...good, i: -1 },
      { a: accountId, n: claims.nonce },
    ]) {
      expect([bad, verify(withPayload(bad))]).toEqual([bad, undefined]);
    }
  });

  it('refuses whatever else a client sends, without throwing', () => {
    for (const junk of [
      '',
      '.',
      '..',
      'v1..',
      'v1.!!!.???',
      'v1.e30.',
      `v1.${'A'.repeat(500)}.x`,
      '\u0000',
      'v1.%%.%%',
    ]) {
      expect(verify(junk)).toBeUndefined();
    }
    const notJson = Buffer.from('{not json').toString('base64url');
    const mac = createHmac('sha256', key).update(`v1.${notJson}`).digest('base64url');
    expect(verify(`v1.${notJson}.${mac}`)).toBeUndefined();
  });
});
