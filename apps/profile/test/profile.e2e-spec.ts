import { randomUUID } from 'node:crypto';

import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestSigningKey, publishTestKey, signTestToken, type TestSigningKey } from '@tessera/auth/testing';
import { type GetProfileRequest, ProfileReply, Subjects } from '@tessera/contracts';
import { NatsRpcClient, TesseraError } from '@tessera/platform';
import { testDatabaseTargets, testNamespace, testNatsUrl } from '@tessera/platform/testing';

import { createProfileApp } from '../src/app';
import { loadProfileConfig } from '../src/config/profile.config';

const issuer = 'http://issuer.e2e';
const address = { line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' };

describe.each(testDatabaseTargets())('profile service on $name', (target) => {
  const namespace = testNamespace();
  let app: NestFastifyApplication;
  let url: string;
  let key: TestSigningKey;
  let rpc: NatsRpcClient;
  let drop: () => Promise<void>;

  const token = (sub: string, extra: Parameters<typeof signTestToken>[1] extends infer O ? Partial<O> : never = {}) =>
    signTestToken(key, { issuer, audience: ['orders', 'profile'], sub, ...extra });

  beforeAll(async () => {
    key = await createTestSigningKey();
    await publishTestKey(testNatsUrl(), namespace, key);
    const db = await target.create();
    drop = db.drop;
    app = await createProfileApp(
      loadProfileConfig({
        NODE_ENV: 'test',
        PORT: '0',
        NATS_URL: testNatsUrl(),
        NATS_NAMESPACE: namespace,
        AUTH_ISSUER: issuer,
        PROFILE_DATA_DIR: db.dataDir,
        PROFILE_DATABASE_URL: db.url,
      }),
    );
    url = await app.getUrl();
    rpc = new NatsRpcClient({ servers: testNatsUrl(), name: 'profile-e2e', namespace });
  });

  afterAll(async () => {
    await rpc?.onApplicationShutdown();
    await app?.close();
    await drop?.();
  });

  const http = (path: string, init: RequestInit & { token?: string } = {}) =>
    fetch(`${url}${path}`, {
      ...init,
      headers: {
        ...(init.body ? { 'content-type': 'application/json' } : {}),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      },
    });

  it('is ready once NATS, the database and the public key are there', async () => {
    const res = await http('/health/ready');
    expect(res.status).toBe(200);
  });

  it('stores and returns the caller’s profile, with orders marked unavailable when orders is down', async () => {
    const userId = randomUUID();
    const t = await token(userId);
    const patch = await http('/profile/me', {
      method: 'PATCH',
      token: t,
      body: JSON.stringify({ displayName: 'Ada', shippingAddress: address }),
    });
    expect(patch.status).toBe(200);
    const res = await http('/profile/me', { token: t });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ userId, displayName: 'Ada', shippingAddress: address, orders: null });
  });

  it('rejects an invalid country code and unknown fields with a problem body', async () => {
    const t = await token(randomUUID());
    const bad = await http('/profile/me', {
      method: 'PATCH',
      token: t,
      body: JSON.stringify({ shippingAddress: { ...address, country: 'Germany' } }),
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    const extra = await http('/profile/me', {
      method: 'PATCH',
      token: t,
      body: JSON.stringify({ userId: randomUUID() }),
    });
    expect(extra.status).toBe(400);
  });

  it('answers 401 over HTTP for a missing, expired, foreign-key or wrong-audience token', async () => {
    const other = await createTestSigningKey();
    const cases = [
      undefined,
      await token(randomUUID(), { expiresIn: -30 }),
      await signTestToken(other, { issuer, audience: 'profile' }),
      await token(randomUUID(), { audience: 'billing' }),
    ];
    for (const t of cases) {
      const res = await http('/profile/me', { token: t });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="tessera"/);
    }
  });

  describe(`NATS ${Subjects.ProfileGet}`, () => {
    const ask = (userId: string, authorization?: string) =>
      rpc.request(Subjects.ProfileGet, { userId } satisfies GetProfileRequest, ProfileReply, { authorization });
    const statusOf = (p: Promise<unknown>) =>
      p.then(
        () => 200,
        (e: unknown) => (e instanceof TesseraError ? e.status : 0),
      );

    it('answers the user with their own token', async () => {
      const userId = randomUUID();
      const t = await token(userId);
      await http('/profile/me', { method: 'PATCH', token: t, body: JSON.stringify({ shippingAddress: address }) });
      await expect(ask(userId, `Bearer ${t}`)).resolves.toMatchObject({ userId, shippingAddress: address });
    });

    it('answers a service token with profile:read for any user', async () => {
      const t = await token('client:orders', { roles: [], scope: 'profile:read' });
      await expect(ask(randomUUID(), `Bearer ${t}`)).resolves.toMatchObject({ shippingAddress: null });
    });

    it('refuses another user’s token with 403', async () => {
      expect(await statusOf(ask(randomUUID(), `Bearer ${await token(randomUUID())}`))).toBe(403);
    });

    it('refuses missing, expired and foreign tokens with 401', async () => {
      const other = await createTestSigningKey();
      const userId = randomUUID();
      expect(await statusOf(ask(userId))).toBe(401);
      expect(await statusOf(ask(userId, `Bearer ${await token(userId, { expiresIn: -30 })}`))).toBe(401);
      expect(
        await statusOf(
          ask(userId, `Bearer ${await signTestToken(other, { issuer, audience: 'profile', sub: userId })}`),
        ),
      ).toBe(401);
      expect(await statusOf(ask(userId, 'Bearer not.a.token'))).toBe(401);
    });

    it('refuses an invalid payload with 400', async () => {
      const t = await token(randomUUID(), { scope: 'profile:read' });
      expect(await statusOf(ask('not-a-uuid', `Bearer ${t}`))).toBe(400);
    });
  });
});
