import { randomUUID } from 'node:crypto';

import { InvalidTokenError, RevocationsUnavailableError } from '../auth.errors';
import {
  createTestSigningKey,
  createTestVerifier,
  signRawTestToken,
  signTestToken,
  unsignedToken,
  type TestSigningKey,
} from '../testing';
import type { RevocationStore } from '../revocation/revocation.store';
import type { TokenVerifier } from './token-verifier';

const issuer = 'http://issuer.test';
const audience = 'orders';

describe('TokenVerifier', () => {
  let key: TestSigningKey;
  let verifier: TokenVerifier;
  let revocations: RevocationStore;

  beforeAll(async () => {
    key = await createTestSigningKey();
    ({ verifier, revocations } = createTestVerifier({ issuer, audience }, [key.publicJwk]));
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
    expect(await reason(await signTestToken(key, { issuer, audience: 'billing' }))).toBe('wrong_audience');
  });

  it('rejects a token from another issuer', async () => {
    expect(await reason(await signTestToken(key, { issuer: 'http://evil', audience }))).toBe('wrong_issuer');
  });

  it('rejects a token without exp', async () => {
    expect(await reason(await signTestToken(key, { issuer, audience, claims: { exp: undefined } }))).toBe(
      'missing_time_claims',
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
      'bad_signature',
    );
  });

  it('rejects a jku header before looking at the key', async () => {
    expect(
      await reason(await signTestToken(key, { issuer, audience, header: { jku: 'http://127.0.0.1:1/jwks' } })),
    ).toBe('forbidden_header_jku');
  });

  const claims = () => {
    const now = Math.floor(Date.now() / 1000);
    return {
      iss: issuer,
      aud: audience,
      sub: randomUUID(),
      iat: now,
      exp: now + 600,
      jti: randomUUID(),
      roles: ['user'],
    };
  };

  it('rejects an unknown crit header before verifying the signature', async () => {
    const token = signRawTestToken(
      key,
      { alg: 'RS256', typ: 'at+jwt', kid: key.kid, crit: ['x-bank'], 'x-bank': 1 },
      claims(),
    );
    expect(await reason(token)).toBe('forbidden_header_crit');
  });

  it('rejects an exp given as a string', async () => {
    const token = signRawTestToken(
      key,
      { alg: 'RS256', typ: 'at+jwt', kid: key.kid },
      { ...claims(), exp: '9999999999' },
    );
    expect(await reason(token)).toBe('missing_time_claims');
  });

  it('grants no more than the last value of a duplicated claim', async () => {
    const c = claims();
    const raw = JSON.stringify({ ...c, roles: ['admin'] }).replace(/}$/, ',"roles":["user"]}');
    const principal = await verifier.verify(signRawTestToken(key, { alg: 'RS256', typ: 'at+jwt', kid: key.kid }, raw));
    expect(principal.roles).toEqual(['user']);
  });

  it('rejects a non-object payload', async () => {
    const token = signRawTestToken(key, { alg: 'RS256', typ: 'at+jwt', kid: key.kid }, '[1,2,3]');
    expect(await reason(token)).toBe('malformed_payload');
  });

  describe('revocation', () => {
    it('rejects a revoked jti, and the same token with its last signature character changed', async () => {
      const token = await signTestToken(key, { issuer, audience });
      const principal = await verifier.verify(token);
      revocations.putJti(principal.jti, { exp: principal.exp });
      expect(await reason(token)).toBe('revoked');
      const last = token.at(-1) === 'A' ? 'B' : 'A';
      expect(await reason(`${token.slice(0, -1)}${last}`)).toMatch(/revoked|bad_signature/);
    });

    it('rejects tokens issued up to a subject’s revoked-before time, and accepts later ones', async () => {
      const now = Math.floor(Date.now() / 1000);
      const sub = randomUUID();
      const old = await signTestToken(key, { issuer, audience, sub, claims: { iat: now - 10 } });
      revocations.putSubject(sub, { before: now - 5 });
      expect(await reason(old)).toBe('revoked');
      await expect(verifier.verify(await signTestToken(key, { issuer, audience, sub }))).resolves.toMatchObject({
        sub,
      });
    });

    it('fails closed with 503 once the revocation state is stale', async () => {
      const { verifier: v, revocations: r } = createTestVerifier({ issuer, audience }, [key.publicJwk]);
      r.staleAfter(() => true);
      await expect(v.verify(await signTestToken(key, { issuer, audience }))).rejects.toBeInstanceOf(
        RevocationsUnavailableError,
      );
    });
  });

  describe('verified-token cache', () => {
    afterEach(() => jest.restoreAllMocks());

    it('still rejects a cached token once it has expired', async () => {
      const token = await signTestToken(key, { issuer, audience, expiresIn: 60 });
      await verifier.verify(token);
      const later = Date.now() + 120_000;
      jest.spyOn(Date, 'now').mockReturnValue(later);
      expect(await reason(token)).toBe('expired');
    });

    it('verifies a new token once when requests carrying it arrive together', async () => {
      const { verifier: v, keys } = createTestVerifier({ issuer, audience }, [key.publicJwk]);
      const lookups = jest.spyOn(keys, 'get');
      const token = await signTestToken(key, { issuer, audience });
      const principals = await Promise.all(Array.from({ length: 20 }, () => v.verify(token)));
      expect(new Set(principals).size).toBe(1);
      expect(lookups).toHaveBeenCalledTimes(1);
    });

    it('never takes a token for a cached one it ends like', async () => {
      const cached = await signTestToken(key, { issuer, audience, roles: ['user'] });
      await verifier.verify(cached);
      const other = await signTestToken(key, { issuer, audience, roles: ['admin'] });
      const forged = `${other.slice(0, other.lastIndexOf('.'))}${cached.slice(cached.lastIndexOf('.'))}`;
      expect(await reason(forged)).toBe('bad_signature');
    });

    it('forgets what a key verified when the key leaves the key set', async () => {
      const { verifier: v, keys } = createTestVerifier({ issuer, audience }, [key.publicJwk]);
      const token = await signTestToken(key, { issuer, audience });
      await v.verify(token);
      keys.remove(key.kid);
      await expect(v.verify(token)).rejects.toMatchObject({ reason: 'unknown_kid' });
    });
  });

  describe('inspect', () => {
    async function inspectReason(token: string, v: TokenVerifier = verifier): Promise<string> {
      const error = await v.inspect(token, { revoked: 'accept' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InvalidTokenError);
      return (error as InvalidTokenError).reason;
    }

    it('accepts a token of this issuer for another service, which verify refuses', async () => {
      const token = await signTestToken(key, { issuer, audience: ['billing'], sub: 'client:billing' });
      await expect(verifier.inspect(token, { revoked: 'accept' })).resolves.toMatchObject({ sub: 'client:billing' });
      await expect(verifier.inspect(token, { revoked: 'refuse' })).resolves.toMatchObject({ sub: 'client:billing' });
      expect(await reason(token)).toBe('wrong_audience');
    });

    it('refuses, with the same reason as verify, what verify refuses, whatever the audience', async () => {
      const now = Math.floor(Date.now() / 1000);
      const other = await createTestSigningKey();
      const cases = (aud: string): [Promise<string> | string, string][] => [
        [signTestToken(key, { issuer: 'http://evil', audience: aud }), 'wrong_issuer'],
        [signTestToken(key, { issuer, audience: aud, expiresIn: -60 }), 'expired'],
        [signTestToken(key, { issuer, audience: aud, claims: { exp: undefined } }), 'missing_time_claims'],
        [signTestToken(key, { issuer, audience: aud, expiresIn: 7200 }), 'lifetime_too_long'],
        [
          signTestToken(key, { issuer, audience: aud, claims: { iat: now + 600, nbf: now, exp: now + 900 } }),
          'iat_in_future',
        ],
        [signTestToken(key, { issuer, audience: aud, header: { typ: 'JWT' } }), 'wrong_typ'],
        [
          signRawTestToken(key, { alg: 'RS256', typ: 'at+jwt', kid: key.kid, crit: ['x'], x: 1 }, { ...claims(), aud }),
          'forbidden_header_crit',
        ],
        [signRawTestToken(key, { alg: 'ES256', typ: 'at+jwt', kid: key.kid }, { ...claims(), aud }), 'alg_mismatch'],
        [signTestToken(other, { issuer, audience: aud }), 'unknown_kid'],
        [signTestToken(other, { issuer, audience: aud, header: { kid: key.kid } }), 'bad_signature'],
      ];
      for (const [token, expected] of cases(audience)) {
        expect(await reason(await token)).toBe(expected);
        expect(await inspectReason(await token)).toBe(expected);
      }
      for (const [token, expected] of cases('billing')) {
        expect(await inspectReason(await token)).toBe(expected);
      }
    });

    it('accepts a revoked token only when asked to, and then ignores a stale revocation state', async () => {
      const { verifier: v, revocations: r } = createTestVerifier({ issuer, audience }, [key.publicJwk]);
      const token = await signTestToken(key, { issuer, audience: 'billing' });
      const principal = await v.inspect(token, { revoked: 'refuse' });
      r.putJti(principal.jti, { exp: principal.exp });
      await expect(v.inspect(token, { revoked: 'refuse' })).rejects.toMatchObject({ reason: 'revoked' });
      await expect(v.inspect(token, { revoked: 'accept' })).resolves.toMatchObject({ jti: principal.jti });
      r.staleAfter(() => true);
      await expect(v.inspect(token, { revoked: 'refuse' })).rejects.toBeInstanceOf(RevocationsUnavailableError);
      await expect(v.inspect(token, { revoked: 'accept' })).resolves.toMatchObject({ jti: principal.jti });
    });

    it('leaves the verified-token cache to verify: an inspected token is verified afresh', async () => {
      const { verifier: v, keys } = createTestVerifier({ issuer, audience }, [key.publicJwk]);
      const token = await signTestToken(key, { issuer, audience: ['orders', 'billing'] });
      await v.inspect(token, { revoked: 'accept' });
      const lookups = jest.spyOn(keys, 'get');
      await v.verify(token);
      await v.verify(token);
      expect(lookups).toHaveBeenCalledTimes(1);
      lookups.mockRestore();
    });
  });

  it('rejects a token not yet valid (nbf in the future beyond the tolerance)', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await reason(await signTestToken(key, { issuer, audience, claims: { nbf: now + 60 } }))).toBe(
      'not_yet_valid',
    );
  });

  it('accepts a single-string aud naming this service', async () => {
    await expect(verifier.verify(await signTestToken(key, { issuer, audience: 'orders' }))).resolves.toBeDefined();
  });

  it('verifies ES256 keys in the JOSE signature form, and refuses a DER-length signature', async () => {
    const ec = await createTestSigningKey('ES256');
    const { verifier: v } = createTestVerifier({ issuer, audience }, [ec.publicJwk]);
    const token = await signTestToken(ec, { issuer, audience });
    await expect(v.verify(token)).resolves.toBeDefined();
    const [h, p] = token.split('.');
    const derLength = Buffer.alloc(70, 1).toString('base64url');
    await expect(v.verify(`${h}.${p}.${derLength}`)).rejects.toMatchObject({ reason: 'bad_signature' });
  });

  it('refuses a key whose algorithm this service does not allow', async () => {
    const ec = await createTestSigningKey('ES256');
    const { verifier: v } = createTestVerifier({ issuer, audience, algorithms: ['RS256'] }, [ec.publicJwk]);
    await expect(v.verify(await signTestToken(ec, { issuer, audience }))).rejects.toMatchObject({
      reason: 'alg_not_allowed',
    });
  });
});
