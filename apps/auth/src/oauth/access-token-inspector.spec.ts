import { createHmac, createPublicKey, randomUUID } from 'node:crypto';

import type { RevocationStore } from '@tessera/auth';
import type { TestSigningKey } from '@tessera/auth/testing';
import {
  createTestSigningKey,
  createTestVerifier,
  signRawTestToken,
  signTestToken,
  unsignedToken,
} from '@tessera/auth/testing';
import {
  CLOCK_TOLERANCE_SECONDS,
  MAX_ACCEPTED_TOKEN_LIFETIME_SECONDS,
  SERVICE_TOKEN_TTL_SECONDS,
} from '@tessera/contracts';
import { decodeJwt } from 'jose';

import { AUTH_AUDIENCE } from '../config/auth.config';
import { AccessTokenInspector } from './access-token-inspector';

const issuer = 'https://auth.tessera.test';
const now = () => Math.floor(Date.now() / 1000);

describe('AccessTokenInspector', () => {
  let key: TestSigningKey;
  let inspector: AccessTokenInspector;
  let revocations: RevocationStore;

  beforeAll(async () => {
    key = await createTestSigningKey();
    const built = createTestVerifier({ issuer, audience: AUTH_AUDIENCE }, [key.publicJwk]);
    revocations = built.revocations;
    inspector = new AccessTokenInspector(built.verifier);
  });

  /** The issuer's claims for a token valid now, with the test's changes. */
  const claims = (changes: Record<string, unknown> = {}) => ({
    iss: issuer,
    aud: ['profile'],
    sub: randomUUID(),
    iat: now(),
    exp: now() + 300,
    jti: randomUUID(),
    roles: [],
    scope: '',
    ...changes,
  });
  const header = { alg: 'RS256', typ: 'at+jwt' };

  it('recognises a token of this issuer whatever its audience', async () => {
    for (const audience of [['profile'], ['auth', 'orders', 'profile'], 'billing']) {
      const token = await signTestToken(key, { issuer, audience, expiresIn: 300 });
      const { jti, exp } = decodeJwt(token);
      await expect(inspector.revocable(token)).resolves.toEqual({ jti, exp });
    }
  });

  it('recognises a service token, whose aud names only the services of its scopes', async () => {
    const token = await signTestToken(key, {
      issuer,
      audience: ['profile'],
      sub: 'client:orders',
      roles: [],
      scope: 'profile:read',
      expiresIn: SERVICE_TOKEN_TTL_SECONDS,
      claims: { client_id: 'orders' },
    });
    const { jti, exp } = decodeJwt(token);
    await expect(inspector.revocable(token)).resolves.toEqual({ jti, exp });
  });

  it('recognises a token already revoked, and while the revocation state is stale', async () => {
    const token = await signTestToken(key, { issuer, audience: 'profile' });
    const { jti, exp } = decodeJwt(token);
    revocations.putJti(String(jti), { exp: Number(exp) });
    revocations.staleAfter(() => true);
    try {
      await expect(inspector.revocable(token)).resolves.toEqual({ jti, exp });
    } finally {
      revocations.staleAfter(() => false);
    }
  });

  it('recognises the longest accepted lifetime and an iat within the clock tolerance', async () => {
    const t = now();
    for (const changes of [
      { iat: t - 10, exp: t - 10 + MAX_ACCEPTED_TOKEN_LIFETIME_SECONDS },
      { iat: t + CLOCK_TOLERANCE_SECONDS - 2, exp: t + 300 },
    ]) {
      const token = signRawTestToken(key, { ...header, kid: key.kid }, claims(changes));
      await expect(inspector.revocable(token)).resolves.toMatchObject({ exp: changes.exp });
    }
  });

  it('refuses a token without exp', async () => {
    const token = await signTestToken(key, { issuer, audience: 'profile', claims: { exp: undefined } });
    await expect(inspector.revocable(token)).resolves.toBeUndefined();
  });

  it('refuses a lifetime above MAX_ACCEPTED_TOKEN_LIFETIME_SECONDS', async () => {
    const t = now() - 10;
    const token = signRawTestToken(
      key,
      { ...header, kid: key.kid },
      claims({ iat: t, exp: t + MAX_ACCEPTED_TOKEN_LIFETIME_SECONDS + 1 }),
    );
    await expect(inspector.revocable(token)).resolves.toBeUndefined();
  });

  it('refuses an iat in the future beyond CLOCK_TOLERANCE_SECONDS', async () => {
    const iat = now() + CLOCK_TOLERANCE_SECONDS + 2;
    const token = signRawTestToken(key, { ...header, kid: key.kid }, claims({ iat, exp: iat + 300 }));
    await expect(inspector.revocable(token)).resolves.toBeUndefined();
  });

  it('refuses an unknown crit header', async () => {
    const token = signRawTestToken(key, { ...header, kid: key.kid, crit: ['x-bank'], 'x-bank': 1 }, claims());
    await expect(inspector.revocable(token)).resolves.toBeUndefined();
  });

  it('refuses a typ other than at+jwt', async () => {
    for (const typ of ['JWT', undefined]) {
      const token = signRawTestToken(key, { ...header, kid: key.kid, typ }, claims());
      await expect(inspector.revocable(token)).resolves.toBeUndefined();
    }
  });

  it('refuses a token whose alg is not its kid’s key’s', async () => {
    // Signed by the right key, but naming another algorithm.
    const es = signRawTestToken(key, { ...header, alg: 'ES256', kid: key.kid }, claims());
    // The classic confusion: HS256 with the public key as the HMAC secret.
    const input = [{ ...header, alg: 'HS256', kid: key.kid }, claims()]
      .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
      .join('.');
    const pem = createPublicKey({ key: key.publicJwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const hmac = createHmac('sha256', pem).update(input).digest('base64url');
    for (const token of [es, `${input}.${hmac}`]) {
      await expect(inspector.revocable(token)).resolves.toBeUndefined();
    }
  });

  it('recognises nothing else', async () => {
    const other = await createTestSigningKey();
    const tokens = [
      await signTestToken(key, { issuer: 'https://elsewhere.test', audience: 'profile' }),
      await signTestToken(key, { issuer, audience: 'profile', expiresIn: -60 }),
      await signTestToken(key, { issuer, audience: 'profile', claims: { jti: undefined } }),
      await signTestToken(other, { issuer, audience: 'profile' }),
      await signTestToken(other, { issuer, audience: 'profile', header: { kid: key.kid } }),
      unsignedToken({ alg: 'none', typ: 'at+jwt', kid: key.kid }, { iss: issuer, jti: 'x', exp: 9999999999 }),
      'not a token',
    ];
    for (const token of tokens) {
      await expect(inspector.revocable(token)).resolves.toBeUndefined();
    }
  });
});
