import { Controller, Get, Req, UseGuards } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AuthGuard, PassportModule } from '@nestjs/passport';
import { Test } from '@nestjs/testing';
import { ProblemFilter } from '@tessera/platform';

import { createTestSigningKey, createTestVerifier, signTestToken, type TestSigningKey } from '../testing';
import { TokenVerifier } from '../verification/token-verifier';
import { JwtStrategy } from './jwt.strategy';

const issuer = 'http://issuer.test';

@Controller()
class LegacyController {
  @Get('legacy')
  @UseGuards(AuthGuard('jwt'))
  legacy(@Req() request: { user: unknown }) {
    return request.user;
  }
}

describe("JwtStrategy (AuthGuard('jwt'))", () => {
  let app: NestFastifyApplication;
  let key: TestSigningKey;

  beforeAll(async () => {
    key = await createTestSigningKey();
    const { verifier } = createTestVerifier({ issuer, audience: 'orders' }, [key.publicJwk]);
    const moduleRef = await Test.createTestingModule({
      imports: [PassportModule],
      controllers: [LegacyController],
      providers: [JwtStrategy, { provide: TokenVerifier, useValue: verifier }],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
    app.useGlobalFilters(new ProblemFilter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(() => app?.close());

  it('puts the verified principal on request.user', async () => {
    const token = await signTestToken(key, { issuer, audience: 'orders', sub: 'u-1', roles: ['user'] });
    const res = await app.inject({ method: 'GET', url: '/legacy', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ sub: 'u-1', roles: ['user'] });
  });

  it('refuses what the global guard refuses, with the same RFC 6750 answer', async () => {
    const token = await signTestToken(key, { issuer, audience: 'billing' });
    const res = await app.inject({ method: 'GET', url: '/legacy', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('answers 401 without an error code when no token is sent', async () => {
    const res = await app.inject({ method: 'GET', url: '/legacy' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="tessera"');
  });
});
