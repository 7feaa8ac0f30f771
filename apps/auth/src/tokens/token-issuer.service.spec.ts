import type { TokenVerifier } from '@tessera/auth';
import { createTestVerifier } from '@tessera/auth/testing';
import { decodeJwt, decodeProtectedHeader } from 'jose';

import { loadAuthConfig } from '../config/auth.config';
import type { SigningKey } from '../keys/key-material';
import { generateSigningKey } from '../keys/key-material';
import type { KeyService } from '../keys/key.service';
import { audienceOfScopes, TokenIssuer } from './token-issuer.service';

const issuer = 'https://auth.tessera.test';

describe('TokenIssuer', () => {
  let key: SigningKey;
  let tokens: TokenIssuer;

  function verifierFor(audience: string): TokenVerifier {
    return createTestVerifier({ issuer, audience }, [key.publicJwk]).verifier;
  }

  beforeAll(async () => {
    key = await generateSigningKey('RS256');
    const config = loadAuthConfig({ AUTH_ISSUER: issuer, ACCESS_TOKEN_TTL_SECONDS: '600' });
    tokens = new TokenIssuer(config, { signingKey: () => key } as unknown as KeyService);
  });

  it('issues a token that every listed service accepts with the published key', async () => {
    const issued = await tokens.issueAccessToken({ sub: 'user-1', roles: ['user'], clientId: 'tessera-web' });
    for (const audience of ['auth', 'orders', 'profile']) {
      const principal = await verifierFor(audience).verify(issued.token);
      expect(principal).toMatchObject({
        sub: 'user-1',
        roles: ['user'],
        scopes: ['orders:read', 'orders:write', 'profile:read', 'profile:write'],
        clientId: 'tessera-web',
        jti: issued.jti,
      });
    }
  });

  it('is refused by a service outside the audience', async () => {
    const issued = await tokens.issueAccessToken({ sub: 'user-1', roles: ['user'], clientId: 'tessera-web' });
    await expect(verifierFor('billing').verify(issued.token)).rejects.toThrow('invalid');
  });

  it('writes the RFC 9068 header and claims, and nothing personal', async () => {
    const now = Date.UTC(2030, 0, 1);
    const issued = await tokens.issueAccessToken(
      { sub: 'user-1', roles: ['user', 'admin'], clientId: 'tessera-web' },
      now,
    );
    expect(decodeProtectedHeader(issued.token)).toEqual({ alg: 'RS256', kid: key.kid, typ: 'at+jwt' });
    const claims = decodeJwt(issued.token);
    const iat = now / 1000;
    expect(claims).toEqual({
      iss: issuer,
      sub: 'user-1',
      aud: ['auth', 'orders', 'profile'],
      iat,
      nbf: iat,
      exp: iat + 600,
      jti: issued.jti,
      roles: ['user', 'admin'],
      scope: 'orders:read orders:write profile:read profile:write',
      client_id: 'tessera-web',
    });
    expect(issued).toMatchObject({ expiresIn: 600, expiresAt: iat + 600 });
  });

  it('gives every token its own jti', async () => {
    const a = await tokens.issueAccessToken({ sub: 'user-1', roles: [], clientId: 'tessera-web' });
    const b = await tokens.issueAccessToken({ sub: 'user-1', roles: [], clientId: 'tessera-web' });
    expect(a.jti).not.toBe(b.jti);
    expect(a.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  describe('service tokens', () => {
    it('names the client in sub and client_id, the scopes’ services in aud, and lives 5 minutes', async () => {
      const now = Date.UTC(2030, 0, 1);
      const issued = await tokens.issueServiceToken({ clientId: 'orders', scopes: ['profile:read'] }, now);
      expect(decodeProtectedHeader(issued.token)).toEqual({ alg: key.alg, kid: key.kid, typ: 'at+jwt' });
      const iat = now / 1000;
      expect(decodeJwt(issued.token)).toEqual({
        iss: issuer,
        sub: 'client:orders',
        client_id: 'orders',
        aud: ['profile'],
        iat,
        nbf: iat,
        exp: iat + 300,
        jti: issued.jti,
        roles: [],
        scope: 'profile:read',
      });
      expect(issued.expiresIn).toBe(300);
    });

    it('is accepted only by the services its scopes are for', async () => {
      const issued = await tokens.issueServiceToken({ clientId: 'orders', scopes: ['profile:read'] });
      await expect(verifierFor('profile').verify(issued.token)).resolves.toMatchObject({
        sub: 'client:orders',
        clientId: 'orders',
        roles: [],
        scopes: ['profile:read'],
      });
      await expect(verifierFor('orders').verify(issued.token)).rejects.toThrow('invalid');
      await expect(verifierFor('auth').verify(issued.token)).rejects.toThrow('invalid');
    });

    it('derives one audience per service from the scopes', () => {
      expect(audienceOfScopes(['profile:read', 'orders:read', 'profile:write'])).toEqual(['profile', 'orders']);
    });
  });

  it('signs with ES256 when the key is a P-256 key', async () => {
    key = await generateSigningKey('ES256');
    const issued = await tokens.issueAccessToken({ sub: 'user-2', roles: ['user'], clientId: 'tessera-web' });
    expect(decodeProtectedHeader(issued.token).alg).toBe('ES256');
    await expect(verifierFor('orders').verify(issued.token)).resolves.toMatchObject({ sub: 'user-2' });
  });
});
