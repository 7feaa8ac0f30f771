import { KeyStore } from '../keys/key-store';
import { parsePublicJwk } from '../keys/public-jwk';
import { resolveAuthOptions } from '../auth.options';
import { InvalidTokenError } from '../auth.errors';
import { createTestSigningKey, signTestToken, unsignedToken, type TestSigningKey } from '../testing';
import { TokenVerifier } from './token-verifier';

const issuer = 'http://issuer.test';
const audience = 'orders';

describe('TokenVerifier', () => {
  let key: TestSigningKey;
  let verifier: TokenVerifier;

  beforeAll(async () => {
    key = await createTestSigningKey();
    const store = new KeyStore();
    store.put(parsePublicJwk(key.publicJwk));
    verifier = new TokenVerifier(resolveAuthOptions({ issuer, audience }), store);
  });

  async function reason(token: string): Promise<string> {
    const error = await verifier.verify(token).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidTokenError);
    return (error as InvalidTokenError).reason;
  }

  it('accepts a token signed by a published key and exposes the principal', async () => {
    const token = await signTestToken(key, {
      issuer,
      audience: ['orders', 'profile'],
      sub: 'u1',
      roles: ['user'],
      scope: 'a b',
    });
    const principal = await verifier.verify(token);
    expect(principal).toMatchObject({ sub: 'u1', roles: ['user'], scopes: ['a', 'b'] });
    expect(principal.token).toBe(token);
    expect(JSON.stringify(principal)).not.toContain(token);
  });

  it('rejects an expired token', async () => {
    expect(await reason(await signTestToken(key, { issuer, audience, expiresIn: -60 }))).toBe('expired');
  });

  it('rejects a token for another audience', async () => {
    expect(await reason(await signTestToken(key, { issuer, audience: 'billing' }))).toBe(
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    );
  });

  it('rejects a token from another issuer', async () => {
    expect(await reason(await signTestToken(key, { issuer: 'http://evil', audience }))).toBe(
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    );
  });

  it('rejects a token without exp', async () => {
    expect(await reason(await signTestToken(key, { issuer, audience, claims: { exp: undefined } }))).toBe(
      'ERR_JWT_CLAIM_VALIDATION_FAILED',
    );
  });

  it('rejects a token issued in the future', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(
      await reason(
        await signTestToken(key, { issuer, audience, claims: { iat: now + 600, nbf: now, exp: now + 900 } }),
      ),
    ).toBe('iat_in_future');
  });

  it('rejects a lifetime above the maximum', async () => {
    expect(await reason(await signTestToken(key, { issuer, audience, expiresIn: 7200 }))).toBe('lifetime_too_long');
  });

  it('rejects a wrong typ', async () => {
    expect(await reason(await signTestToken(key, { issuer, audience, header: { typ: 'JWT' } }))).toBe('wrong_typ');
  });

  it('rejects alg none', async () => {
    const token = unsignedToken({ alg: 'none', typ: 'at+jwt', kid: key.kid }, { iss: issuer, aud: audience });
    expect(await reason(token)).toBe('malformed');
    expect(await reason(`${token}x`)).toBe('alg_mismatch');
  });

  it('rejects a token signed by a key that is not published', async () => {
    const other = await createTestSigningKey();
    expect(await reason(await signTestToken(other, { issuer, audience }))).toBe('unknown_kid');
    expect(await reason(await signTestToken(other, { issuer, audience, header: { kid: key.kid } }))).toBe(
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    );
  });

  it('rejects a jku header before looking at the key', async () => {
    expect(
      await reason(await signTestToken(key, { issuer, audience, header: { jku: 'http://127.0.0.1:1/jwks' } })),
    ).toBe('forbidden_header_jku');
  });

  it('rejects an unknown crit header', async () => {
    expect(
      await reason(await signTestToken(key, { issuer, audience, header: { crit: ['exp'] } }).catch(() => 'a.b.c')),
    ).toMatch(/forbidden_header_crit|malformed_header/);
  });
});
