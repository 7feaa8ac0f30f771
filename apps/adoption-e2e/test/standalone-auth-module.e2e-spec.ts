import { randomUUID } from 'node:crypto';

import { Controller, Get, type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Transport } from '@nestjs/microservices';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { AuthModule, type AuthModuleOptions, CurrentUser, type Principal, Public, Roles } from '@tessera/auth';
import { eventually, freePort, testDatabaseTargets, TestSystem } from '@tessera/platform/testing';

const ISSUER = 'http://auth.adoption.test';
const PASSWORD = 'correct horse battery staple';
/** The outside service's NATS subject: one of this run's own, so no other run answers it. */
const SUBJECT = `billing.${randomUUID().slice(0, 8)}.invoice.get.v1`;

/** An outside team's service: nothing of Tessera but AuthModule and its decorators. */
@Controller('invoices')
class InvoicesController {
  @Get()
  list(@CurrentUser() user: Principal) {
    return { sub: user.sub };
  }

  @Get('admin')
  @Roles('admin')
  admin() {
    return { admin: true };
  }

  @Get('open')
  @Public()
  open() {
    return { open: true };
  }

  @MessagePattern(SUBJECT)
  get(@CurrentUser() caller: Principal) {
    return { sub: caller.sub };
  }
}

type Adapter = 'fastify' | 'express';

interface Billing {
  url: string;
  close(): Promise<void>;
}

async function startBilling(
  adapter: Adapter,
  options: AuthModuleOptions,
  microservice?: { natsUrl: string; inheritAppConfig: boolean },
): Promise<Billing> {
  @Module({ imports: [AuthModule.forRoot(options)], controllers: [InvoicesController] })
  class BillingModule {}

  const app: INestApplication = await NestFactory.create(
    BillingModule,
    adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(),
    { logger: false, abortOnError: false },
  );
  try {
    if (microservice) {
      app.connectMicroservice(
        { transport: Transport.NATS, options: { servers: microservice.natsUrl, queue: 'billing' } },
        { inheritAppConfig: microservice.inheritAppConfig },
      );
      await app.startAllMicroservices();
    }
    await app.listen(0, '127.0.0.1');
  } catch (e) {
    await app.close();
    throw e;
  }
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { url, close: () => app.close() };
}

/** A NATS request as a caller of the outside service sends it (Nest's JSON packet). */
async function natsCall(nc: NatsConnection, token?: string): Promise<{ response?: unknown; err?: unknown }> {
  const h = natsHeaders();
  if (token) {
    h.set('authorization', `Bearer ${token}`);
  }
  const reply = await nc.request(SUBJECT, JSON.stringify({ pattern: SUBJECT, data: {}, id: randomUUID() }), {
    timeout: 5000,
    headers: h,
  });
  return reply.json<{ response?: unknown; err?: unknown }>();
}

/** The signature of a JWT with its last character changed: same claims, a forged token. */
function tampered(jwt: string): string {
  return jwt.slice(0, -1) + (jwt.endsWith('A') ? 'B' : 'A');
}

// AuthModule.forRoot({ issuer, audience, jwksUrl, natsUrl? }) on its own, with no
// PlatformModule: in a plain NestJS app on Fastify and on Express, against a real auth (built,
// in this process) that issues tokens for the audience `billing`, and real NATS.
describe('AuthModule in a NestJS app without the Tessera platform', () => {
  const system = new TestSystem(testDatabaseTargets()[0], { adminEmail: 'admin@adoption.test' });
  let authUrl: string;
  let nc: NatsConnection;
  let options: AuthModuleOptions;
  let userToken: string;
  let userId: string;
  let adminToken: string;

  async function login(email: string, password: string): Promise<string> {
    const res = await fetch(`${authUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  beforeAll(async () => {
    const port = await freePort();
    authUrl = `http://127.0.0.1:${port}`;
    const env = system.environment({ ports: { auth: port, orders: 0, profile: 0 }, issuer: ISSUER, authUrl });
    await system.startInProcess(
      'auth',
      { ...env.auth, ...(await system.database('auth')), ACCESS_TOKEN_AUDIENCE: 'auth,orders,profile,billing' },
      { logger: false },
    );
    nc = await connect({ servers: system.natsUrl });
    options = {
      issuer: ISSUER,
      audience: 'billing',
      jwksUrl: `${authUrl}/.well-known/jwks.json`,
      natsUrl: system.natsUrl,
      natsNamespace: system.namespace,
    };
    const email = `ada-${randomUUID()}@adoption.test`;
    const registered = await fetch(`${authUrl}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(registered.status).toBe(201);
    userId = ((await registered.json()) as { id: string }).id;
    userToken = await login(email, PASSWORD);
    adminToken = await login(system.admin.email, system.admin.password);
  }, 120_000);

  afterAll(async () => {
    await nc?.close();
    await system.close();
  });

  describe.each<Adapter>(['fastify', 'express'])('on %s', (adapter) => {
    let billing: Billing;
    const get = (path: string, token?: string) =>
      fetch(`${billing.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

    beforeAll(async () => {
      billing = await startBilling(adapter, options, { natsUrl: system.natsUrl, inheritAppConfig: false });
    }, 60_000);

    afterAll(() => billing?.close());

    it("accepts the user's token and hands the handler its principal", async () => {
      const res = await get('/invoices', userToken);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ sub: userId });
      expect(res.headers.get('cache-control')).toBe('no-store');
    });

    it('answers a missing token 401 with the RFC 6750 challenge, as problem+json', async () => {
      const res = await get('/invoices');
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await res.json()).toMatchObject({ status: 401, code: 'missing_token' });
    });

    it('answers a forged token 401 invalid_token, without saying which check failed', async () => {
      const res = await get('/invoices', tampered(userToken));
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
      expect(await res.json()).toMatchObject({ code: 'invalid_token', detail: 'The access token is invalid.' });
    });

    it('enforces roles: 403 insufficient_scope for a user, 200 for an admin; @Public needs nothing', async () => {
      const refused = await get('/invoices/admin', userToken);
      expect(refused.status).toBe(403);
      expect(refused.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
      expect((await get('/invoices/admin', adminToken)).status).toBe(200);
      const open = await get('/invoices/open');
      expect(open.status).toBe(200);
      expect(await open.json()).toEqual({ open: true });
    });

    it('guards the NATS handler although the microservice was connected without inheritAppConfig', async () => {
      expect(await natsCall(nc)).toMatchObject({ err: { status: 401, code: 'missing_token' } });
      expect(await natsCall(nc, tampered(userToken))).toMatchObject({ err: { status: 401, code: 'invalid_token' } });
      expect(await natsCall(nc, userToken)).toMatchObject({ response: { sub: userId } });
    });
  });

  it('guards the NATS handler under inheritAppConfig too', async () => {
    const billing = await startBilling('fastify', options, { natsUrl: system.natsUrl, inheritAppConfig: true });
    try {
      expect(await natsCall(nc)).toMatchObject({ err: { status: 401, code: 'missing_token' } });
      expect(await natsCall(nc, userToken)).toMatchObject({ response: { sub: userId } });
    } finally {
      await billing.close();
    }
  });

  it('refuses a token revoked at auth within seconds, heard over NATS', async () => {
    const billing = await startBilling('fastify', options);
    try {
      const email = `grace-${randomUUID()}@adoption.test`;
      await fetch(`${authUrl}/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      const token = await login(email, PASSWORD);
      const call = () => fetch(`${billing.url}/invoices`, { headers: { authorization: `Bearer ${token}` } });
      expect((await call()).status).toBe(200);
      const logout = await fetch(`${authUrl}/auth/logout`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(logout.status).toBe(204);
      await eventually(async () => (await call()).status === 401, 5000);
    } finally {
      await billing.close();
    }
  });

  it('without NATS, keys come from the JWKS and revocation must be switched off in so many words', async () => {
    const jwksOnly: AuthModuleOptions = { issuer: ISSUER, audience: 'billing', jwksUrl: options.jwksUrl };
    await expect(startBilling('express', jwksOnly)).rejects.toThrow(
      "AuthModule without NATS cannot hear revocations: set natsUrl, or revocation: 'off'",
    );
    await expect(startBilling('express', { issuer: ISSUER, audience: 'billing', revocation: 'off' })).rejects.toThrow(
      'AuthModule has no source of public keys',
    );
    const billing = await startBilling('express', { ...jwksOnly, revocation: 'off' });
    try {
      const res = await fetch(`${billing.url}/invoices`, { headers: { authorization: `Bearer ${userToken}` } });
      expect(res.status).toBe(200);
      expect((await fetch(`${billing.url}/invoices`)).status).toBe(401);
    } finally {
      await billing.close();
    }
  });
});
