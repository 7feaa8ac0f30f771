import { KeyStore, parsePublicJwk } from '@tessera/auth';
import type { TestSigningKey } from '@tessera/auth/testing';
import { createTestSigningKey, signTestToken, unsignedToken } from '@tessera/auth/testing';
import { decodeJwt } from 'jose';

import { loadAuthConfig } from '../config/auth.config';
import { AccessTokenInspector } from './access-token-inspector';

const issuer = 'https://auth.tessera.test';

describe('AccessTokenInspector', () => {
  let key: TestSigningKey;
  let inspector: AccessTokenInspector;

  beforeAll(async () => {
    key = await createTestSigningKey();
    const keys = new KeyStore();
    keys.put(parsePublicJwk(key.publicJwk));
    inspector = new AccessTokenInspector(keys, loadAuthConfig({ NODE_ENV: 'test', AUTH_ISSUER: issuer }));
  });

  it('recognises a token of this issuer whatever its audience', async () => {
    for (const audience of [['profile'], ['auth', 'orders', 'profile'], 'billing']) {
      const token = await signTestToken(key, { issuer, audience, expiresIn: 300 });
      const { jti, exp } = decodeJwt(token);
      await expect(inspector.revocable(token)).resolves.toEqual({ jti, exp });
    }
  });

  it('recognises nothing else', async () => {
    const other = await createTestSigningKey();
    const tokens = [
      await signTestToken(key, { issuer: 'https://elsewhere.test', audience: 'profile' }),
      await signTestToken(key, { issuer, audience: 'profile', expiresIn: -60 }),
      await signTestToken(key, { issuer, audience: 'profile', header: { typ: 'JWT' } }),
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
