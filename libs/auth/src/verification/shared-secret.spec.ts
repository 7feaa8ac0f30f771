import { randomBytes, randomUUID } from 'node:crypto';

import { SignJWT } from 'jose';

import { InvalidTokenError } from '../auth.errors';
import { resolveAuthOptions } from '../auth.options';
import { parsePublicJwk } from '../keys/public-jwk';
import { sharedSecretKey, sharedSecretKid } from '../keys/shared-secret';
import { createTestSigningKey, createTestVerifier, signTestToken } from '../testing';
import { isCanonicalBase64url } from './signature';

const issuer = 'http://issuer.test';
const audience = 'orders';

function hs256Token(secret: string, header: Record<string, unknown> = {}, claims: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ roles: ['user'], scope: '', ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: sharedSecretKid(secret), ...header })
    .setIssuer(issuer)
    .setAudience([audience])
    .setSubject('u1')
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + 600)
    .setJti(randomUUID())
    .sign(Buffer.from(secret, 'utf8'));
}

async function reason(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidTokenError);
  return (error as InvalidTokenError).reason;
}

/** Changes the last base64url character to another that decodes to the same bytes, when one exists. */
function respellLastCharacter(token: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = token.at(-1) ?? 'A';
  const index = alphabet.indexOf(last);
  // HS256: 32 bytes are 43 characters, the last carrying 2 spare bits.
  const twin = alphabet[(index & ~0b11) | ((index + 1) & 0b11)];
  return token.slice(0, -1) + twin;
}

describe('HS256 shared-secret mode', () => {
  const secret = randomBytes(48).toString('base64');

  it('accepts a token signed with the shared secret, under the key id derived from it', async () => {
    const { verifier } = createTestVerifier({ issuer, audience, sharedSecret: secret }, []);
    const principal = await verifier.verify(await hs256Token(secret));
    expect(principal).toMatchObject({ sub: 'u1', roles: ['user'] });
  });

  it('derives the key id from the secret without revealing it', () => {
    const kid = sharedSecretKid(secret);
    expect(kid).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(sharedSecretKid(secret)).toBe(kid);
    expect(sharedSecretKid(`${secret}x`)).not.toBe(kid);
    expect(secret).not.toContain(kid);
  });

  it('refuses a token signed with another secret, even under the right key id', async () => {
    const { verifier } = createTestVerifier({ issuer, audience, sharedSecret: secret }, []);
    const forged = await hs256Token(randomBytes(48).toString('base64'), { kid: sharedSecretKid(secret) });
    expect(await reason(verifier.verify(forged))).toBe('bad_signature');
  });

  it('refuses a second spelling of a valid signature (changed spare bits of the last character)', async () => {
    const { verifier } = createTestVerifier({ issuer, audience, sharedSecret: secret, verifiedTokenCacheSize: 0 }, []);
    const token = await hs256Token(secret);
    const respelled = respellLastCharacter(token);
    expect(respelled).not.toBe(token);
    expect(Buffer.from(respelled.split('.')[2], 'base64url')).toEqual(Buffer.from(token.split('.')[2], 'base64url'));
    expect(await reason(verifier.verify(respelled))).toBe('bad_signature');
  });

  it('never mixes with key pairs: an RS256 token is refused in HS256 mode', async () => {
    const key = await createTestSigningKey();
    const { verifier } = createTestVerifier({ issuer, audience, sharedSecret: secret }, []);
    expect(await reason(verifier.verify(await signTestToken(key, { issuer, audience })))).toBe('unknown_kid');
    // Claiming the secret's key id does not make the token's RS256 the key's algorithm.
    const claimed = await signTestToken(key, { issuer, audience, header: { kid: sharedSecretKid(secret) } });
    expect(await reason(verifier.verify(claimed))).toBe('alg_mismatch');
  });

  it('never mixes with key pairs: an HS256 token is refused by a key-pair verifier', async () => {
    const key = await createTestSigningKey();
    const { verifier } = createTestVerifier({ issuer, audience }, [key.publicJwk]);
    // Under the real kid (the classic confusion attack) and under the secret's own kid.
    expect(await reason(verifier.verify(await hs256Token(secret, { kid: key.kid })))).toBe('alg_mismatch');
    expect(await reason(verifier.verify(await hs256Token(secret)))).toBe('unknown_kid');
  });

  it('refuses options mixing the modes', () => {
    expect(() => resolveAuthOptions({ issuer, audience, algorithms: ['HS256'] })).toThrow(/shared-secret mode/);
    expect(() => resolveAuthOptions({ issuer, audience, sharedSecret: secret, algorithms: ['RS256'] })).toThrow(
      /only HS256/,
    );
    expect(resolveAuthOptions({ issuer, audience, sharedSecret: secret }).algorithms).toEqual(['HS256']);
    expect(resolveAuthOptions({ issuer, audience }).algorithms).toEqual(['RS256', 'ES256']);
  });

  it('refuses a secret shorter than 32 bytes (RFC 7518 §3.2)', () => {
    expect(() => sharedSecretKey('x'.repeat(31))).toThrow(/at least 32 bytes/);
    expect(sharedSecretKey('x'.repeat(32)).alg).toBe('HS256');
  });

  it('never admits a symmetric key into a key set', () => {
    const oct = { kty: 'oct', k: Buffer.from(secret).toString('base64url'), kid: 'k1', alg: 'HS256', use: 'sig' };
    expect(() => parsePublicJwk(oct)).toThrow(/private or symmetric/);
  });
});

describe('isCanonicalBase64url (RFC 4648 §3.5)', () => {
  it('agrees with a round trip through Buffer for every last character and length', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (const length of [2, 3, 4, 42, 43, 44, 342]) {
      for (const last of alphabet) {
        const encoded = 'A'.repeat(length - 1) + last;
        const roundTrip = Buffer.from(encoded, 'base64url').toString('base64url') === encoded;
        expect({ encoded: encoded.slice(-3), length, canonical: isCanonicalBase64url(encoded) }).toEqual({
          encoded: encoded.slice(-3),
          length,
          canonical: roundTrip,
        });
      }
    }
    expect(isCanonicalBase64url('AAAAA')).toBe(false);
  });
});
