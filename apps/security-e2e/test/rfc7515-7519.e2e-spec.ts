import { KeyObject, randomUUID, sign } from 'node:crypto';

import { createTestSigningKey, signRawTestToken, type TestSigningKey } from '@tessera/auth/testing';
import { testDatabaseTargets } from '@tessera/platform/testing';

import { expectInsufficientScope, expectInvalidToken, expectRpc } from './support/expect';
import { ISSUER, startSystem, type SecuritySystem } from './support/system';
import {
  b64,
  expectAcceptedEverywhere,
  expectRefusedEverywhere,
  trustedToken,
  trustTestKey,
  userClaims,
} from './support/tokens';

/**
 * RFC 7515 (JWS compact serialization, base64url, header) and RFC 7519 (JWT claims), with
 * RFC 9068 (JWT access tokens) for the claims an access token must carry. The tokens are
 * signed by a key the services trust exactly as they trust auth's, so every refusal below is
 * about the encoding or the claims, never about the signature.
 */
// Token cases do not depend on the database: one target (PostgreSQL when reachable, it boots
// faster than embedded PGlite) keeps the suite's time down.
describe.each(testDatabaseTargets().slice(-1))('RFC 7515 / RFC 7519: encoding and claims on $name', (target) => {
  let s: SecuritySystem;
  let key: TestSigningKey;
  const userId = randomUUID();
  let header: Record<string, unknown>;

  beforeAll(async () => {
    s = await startSystem(target, { services: true });
    key = await createTestSigningKey('RS256');
    await trustTestKey(s, key);
    header = { alg: 'RS256', typ: 'at+jwt', kid: key.kid };
    // Three apps, each booting its own database, on a 2-core machine that may be busy.
  }, 180_000);

  afterAll(() => s?.close());

  /** Signs exactly these header and payload bytes. */
  const signedBytes = (rawHeader: string, rawPayload: string) => {
    const input = `${b64(rawHeader)}.${b64(rawPayload)}`;
    return `${input}.${sign('sha256', Buffer.from(input), KeyObject.from(key.privateKey)).toString('base64url')}`;
  };
  const signed = (payload: Record<string, unknown> | string, h: Record<string, unknown> = header) =>
    signRawTestToken(key, h, payload);

  it('control: a well-formed token of the trusted key is accepted over HTTP and NATS', async () => {
    await expectAcceptedEverywhere(s, signed(userClaims(userId, { roles: ['user'] })), userId);
  });

  describe('RFC 7515 §7.1 compact serialization and §2 base64url', () => {
    it.each<[string, (t: string) => string]>([
      ['one segment', (t) => t.split('.')[0]],
      ['two segments', (t) => t.split('.').slice(0, 2).join('.')],
      ['four segments', (t) => `${t}.${t.split('.')[2]}`],
      ['five segments (JWE shape)', (t) => `${t}.AAAA.BBBB`],
      ['an empty payload segment', (t) => t.replace(/\.[^.]+\./, '..')],
      ['base64 "+" and "/" instead of base64url', (t) => t.replace(/-/g, '+').replace(/_/g, '/') + '+/'],
      ['"=" padding', (t) => `${t.split('.')[0]}==.${t.split('.')[1]}.${t.split('.')[2]}`],
      ['a character outside the alphabet', (t) => `${t.slice(0, 10)}*${t.slice(11)}`],
      ['a space inside', (t) => `${t.slice(0, 10)} ${t.slice(10)}`],
      ['the signature segment dropped ("header.payload.")', (t) => t.slice(0, t.lastIndexOf('.') + 1)],
    ])('%s: 401', async (_name, mangle) => {
      const good = signed(userClaims(userId));
      await expectRefusedEverywhere(s, mangle(good), userId);
    });

    it.each<[string, () => string]>([
      ['not JSON', () => 'not json'],
      ['a JSON array', () => JSON.stringify([header])],
      ['a JSON string', () => JSON.stringify(JSON.stringify(header))],
      ['JSON null', () => 'null'],
      ['truncated JSON', () => JSON.stringify(header).slice(0, -1)],
      ['JSON with a NUL byte before the object', () => `\u0000${JSON.stringify(header)}`],
    ])('a header that is %s: 401', async (_name, rawHeader) => {
      const token = `${b64(rawHeader())}.${b64(userClaims(userId))}.${b64('sig')}`;
      await expectRefusedEverywhere(s, token, userId);
    });

    it('NUL bytes inside header values and claims, validly signed: 401 for the kid, no privilege from the claims', async () => {
      await expectRefusedEverywhere(s, signed(userClaims(userId), { ...header, kid: `${key.kid}\u0000` }), userId);
      const nulIssuer = signed(userClaims(userId, { iss: `${ISSUER}\u0000` }));
      await expectRefusedEverywhere(s, nulIssuer, userId);
      const nulRole = signed(userClaims(userId, { roles: ['user', 'admin\u0000'] }));
      expectInsufficientScope(await s.call('orders', 'GET', '/orders?all=true', { token: nulRole }), 'admin');
    });

    it('an oversized header (9 KB, above the verifier’s 8 KB limit): 401; one too large for HTTP (20 KB): 431', async () => {
      const big = signed(userClaims(userId), { ...header, pad: 'x'.repeat(9000) });
      await expectRefusedEverywhere(s, big, userId);
      const huge = signed(userClaims(userId), { ...header, pad: 'x'.repeat(20_000) });
      expect((await s.call('orders', 'GET', '/orders', { token: huge })).status).toBe(431);
      expectRpc(await s.rpcCall('profile', userId, `Bearer ${huge}`), 401, 'invalid_token');
    });

    it('a token whose signature’s last character is changed (non-canonical base64url) is another token: 401', async () => {
      const good = signed(userClaims(userId, { roles: ['user'] }));
      await expectAcceptedEverywhere(s, good, userId);
      // RS256 signatures are 256 bytes: the last base64url character carries 4 spare bits.
      const last = good.at(-1)!;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const sameBytes = alphabet[(alphabet.indexOf(last) & ~0x0f) | ((alphabet.indexOf(last) + 1) & 0x0f)];
      expect(Buffer.from(good.slice(good.lastIndexOf('.') + 1, -1) + sameBytes, 'base64url')).toEqual(
        Buffer.from(good.slice(good.lastIndexOf('.') + 1), 'base64url'),
      );
      await expectRefusedEverywhere(s, good.slice(0, -1) + sameBytes, userId);
    });
  });

  describe('RFC 7515 §4.1.11 crit and RFC 9068 §2.1 typ', () => {
    it.each<[string, Record<string, unknown>]>([
      ['an unknown crit parameter', { crit: ['tessera-magic'], 'tessera-magic': true }],
      ['crit naming a registered parameter', { crit: ['exp'] }],
      ['an empty crit list', { crit: [] }],
      ['typ "JWT"', { typ: 'JWT' }],
      ['typ "at+jwt " with a trailing space', { typ: 'at+jwt ' }],
      ['typ as an array', { typ: ['at+jwt'] }],
    ])('%s: 401', async (_name, change) => {
      await expectRefusedEverywhere(s, signed(userClaims(userId), { ...header, ...change }), userId);
    });

    it('no typ: 401', async () => {
      const { typ: _typ, ...untyped } = header;
      await expectRefusedEverywhere(s, signed(userClaims(userId), untyped), userId);
    });
  });

  describe('RFC 7519 §4.1 registered claims (RFC 9068 §2.2 makes exp, iat, iss, aud required)', () => {
    const now = () => Math.floor(Date.now() / 1000);
    it.each<[string, () => Record<string, unknown>]>([
      ['§4.1.4 expired a minute ago', () => ({ exp: now() - 60, iat: now() - 660, nbf: now() - 660 })],
      ['§4.1.4 no exp', () => ({ exp: undefined })],
      ['§4.1.4 exp as a string', () => ({ exp: String(now() + 600) })],
      ['§4.1.4 exp as a date string', () => ({ exp: new Date(Date.now() + 600_000).toISOString() })],
      ['§4.1.5 nbf two minutes ahead', () => ({ nbf: now() + 120 })],
      ['§4.1.5 nbf as a string', () => ({ nbf: String(now()) })],
      ['§4.1.6 iat two minutes ahead', () => ({ iat: now() + 120, exp: now() + 700 })],
      ['§4.1.6 no iat', () => ({ iat: undefined })],
      ['RFC 9068 lifetime above the 1-hour maximum', () => ({ exp: now() + 7200 })],
      ['§4.1.1 a wrong iss', () => ({ iss: 'http://evil.example' })],
      ['§4.1.1 iss with a trailing slash', () => ({ iss: `${ISSUER}/` })],
      ['§4.1.1 iss as an array holding the issuer', () => ({ iss: [ISSUER] })],
      ['§4.1.1 no iss', () => ({ iss: undefined })],
      ['§4.1.3 an aud naming other services only', () => ({ aud: ['billing', 'auth'] })],
      ['§4.1.3 no aud', () => ({ aud: undefined })],
      ['§4.1.3 aud as an object', () => ({ aud: { orders: true, profile: true } })],
      ['§4.1.2 sub as a number', () => ({ sub: 42 })],
      ['§4.1.7 no jti', () => ({ jti: undefined })],
      ['roles as a string', () => ({ roles: 'admin' })],
    ])('%s: 401', async (_name, change) => {
      await expectRefusedEverywhere(s, signed(userClaims(userId, change())), userId);
    });

    it('a token for one service only is refused by the other (aud "orders" at profile, over HTTP and NATS)', async () => {
      const token = await trustedToken(key, userId, { audience: 'orders' });
      expect((await s.call('orders', 'GET', '/orders', { token })).status).toBe(200);
      expectInvalidToken(await s.call('profile', 'GET', '/profile/me', { token }));
      expectRpc(await s.rpcCall('profile', userId, `Bearer ${token}`), 401, 'invalid_token');
    });

    it.each<[string, string]>([
      ['a JSON array', JSON.stringify([userClaims(userId)])],
      ['a JSON string', JSON.stringify('admin')],
      ['a number', '42'],
      ['null', 'null'],
      ['true', 'true'],
      ['not JSON', '{"sub": '],
    ])('a payload that is %s, validly signed: 401', async (_name, payload) => {
      await expectRefusedEverywhere(s, signed(payload), userId);
    });
  });

  describe('RFC 7519 §4 duplicate claim names: never more than the last value grants', () => {
    const raw = (claims: Record<string, unknown>, tail: string) => `${JSON.stringify(claims).slice(0, -1)},${tail}}`;

    it('roles ["user","admin"] then roles ["user"]: a user token, 403 on an admin listing', async () => {
      const payload = raw(userClaims(userId, { roles: ['user', 'admin'] }), '"roles":["user"]');
      const token = signed(payload);
      expect((await s.call('orders', 'GET', '/orders', { token })).status).toBe(200);
      expectInsufficientScope(await s.call('orders', 'GET', '/orders?all=true', { token }), 'admin');
    });

    it('a valid aud then aud ["billing"]: 401 (the last aud is the one checked)', async () => {
      await expectRefusedEverywhere(s, signed(raw(userClaims(userId), '"aud":["billing"]')), userId);
    });

    it('a valid exp then an expired exp: 401', async () => {
      const expired = Math.floor(Date.now() / 1000) - 60;
      await expectRefusedEverywhere(s, signed(raw(userClaims(userId), `"exp":${expired}`)), userId);
    });

    it('the issuer then another iss: 401', async () => {
      await expectRefusedEverywhere(s, signed(raw(userClaims(userId), '"iss":"http://evil.example"')), userId);
    });

    it('a duplicate header kid (the trusted one, then an unknown one), signed over those bytes: 401', async () => {
      const h = `${JSON.stringify(header).slice(0, -1)},"kid":"unknown-kid"}`;
      await expectRefusedEverywhere(s, signedBytes(h, JSON.stringify(userClaims(userId))), userId);
    });

    it('exp written as 1e400 (JSON for Infinity): 401', async () => {
      const payload = raw(userClaims(userId, { exp: undefined }), '"exp":1e400');
      await expectRefusedEverywhere(s, signed(payload), userId);
    });
  });
});
