import { randomUUID } from 'node:crypto';

import {
  createTestSigningKey,
  signTestToken,
  startVerifyingService,
  type VerifyingServiceHarness,
} from '@tessera/auth/testing';
import { type GetProfileRequest, ProfileReply, Subjects } from '@tessera/contracts';
import { testDatabaseTargets } from '@tessera/platform/testing';

import { createProfileApp } from '../src/app';
import { loadProfileConfig } from '../src/config/profile.config';

const address = { line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' };

describe.each(testDatabaseTargets())('profile service on $name', (target) => {
  let h: VerifyingServiceHarness;
  let url: string;
  const token = (sub: string, extra?: Parameters<VerifyingServiceHarness['token']>[1]) => h.token(sub, extra);

  beforeAll(async () => {
    h = await startVerifyingService(
      target,
      (env) => createProfileApp(loadProfileConfig(env)),
      (db) => ({ PROFILE_DATA_DIR: db.dataDir, PROFILE_DATABASE_URL: db.url }),
    );
    url = h.url;
  });

  afterAll(() => h?.close());

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

  // The schema types these fields as a string and an object, none of them nullable: null is no
  // way to clear them, and an address stored as `{}` or `[]` would fail every later order.
  it.each([
    ['a null display name', { displayName: null }],
    ['a null address', { shippingAddress: null }],
    ['an array as the address', { shippingAddress: [] }],
    ['an array of addresses', { shippingAddress: [address] }],
    ['a null second address line', { shippingAddress: { ...address, line2: null } }],
    ['a null city', { shippingAddress: { ...address, city: null } }],
    ['a null body', null],
    ['an array as the body', [{ displayName: 'Eve' }]],
  ])('rejects %s with 400 and keeps the stored profile', async (_name, body) => {
    const userId = randomUUID();
    const t = await token(userId);
    const stored = { displayName: 'Ada', shippingAddress: { ...address, line2: 'Floor 2' } };
    const set = await http('/profile/me', { method: 'PATCH', token: t, body: JSON.stringify(stored) });
    expect(set.status).toBe(200);
    const res = await http('/profile/me', { method: 'PATCH', token: t, body: JSON.stringify(body) });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 400, code: 'validation_failed' });
    const after = await http('/profile/me', { token: t });
    expect(await after.json()).toEqual({ userId, ...stored, orders: null });
  });

  it('refuses a form body with 415 unsupported_media_type and keeps the stored profile', async () => {
    const userId = randomUUID();
    const t = await token(userId);
    const set = await http('/profile/me', { method: 'PATCH', token: t, body: JSON.stringify({ displayName: 'Ada' }) });
    expect(set.status).toBe(200);
    const res = await fetch(`${url}/profile/me`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${t}` },
      body: 'displayName=Eve',
    });
    expect(res.status).toBe(415);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    const after = await http('/profile/me', { token: t });
    expect(await after.json()).toMatchObject({ userId, displayName: 'Ada' });
  });

  it('answers 401 over HTTP for a missing, expired, foreign-key or wrong-audience token', async () => {
    const other = await createTestSigningKey();
    const cases = [
      undefined,
      await token(randomUUID(), { expiresIn: -30 }),
      await signTestToken(other, { issuer: h.issuer, audience: 'profile' }),
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
      h.rpc.request(Subjects.ProfileGet, { userId } satisfies GetProfileRequest, ProfileReply, { authorization });
    const statusOf = (p: Promise<unknown>) => h.rpcStatus(p);

    it('answers the user with their own token', async () => {
      const userId = randomUUID();
      const t = await token(userId);
      await http('/profile/me', { method: 'PATCH', token: t, body: JSON.stringify({ shippingAddress: address }) });
      await expect(ask(userId, `Bearer ${t}`)).resolves.toMatchObject({ userId, shippingAddress: address });
    });

    it('answers a service token with profile:read for any user', async () => {
      const t = await token('client:orders', { roles: [], scope: 'profile:read', claims: { client_id: 'orders' } });
      await expect(ask(randomUUID(), `Bearer ${t}`)).resolves.toMatchObject({ shippingAddress: null });
    });

    it('refuses another user to a user token that carries profile:read for its own profile, with 403', async () => {
      const scope = 'orders:read orders:write profile:read profile:write';
      const t = await token(randomUUID(), { scope, claims: { client_id: 'tessera-web' } });
      expect(await statusOf(ask(randomUUID(), `Bearer ${t}`))).toBe(403);
      const admin = await token(randomUUID(), {
        roles: ['user', 'admin'],
        scope,
        claims: { client_id: 'tessera-web' },
      });
      expect(await statusOf(ask(randomUUID(), `Bearer ${admin}`))).toBe(403);
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
          ask(userId, `Bearer ${await signTestToken(other, { issuer: h.issuer, audience: 'profile', sub: userId })}`),
        ),
      ).toBe(401);
      expect(await statusOf(ask(userId, 'Bearer not.a.token'))).toBe(401);
    });

    it('refuses an invalid payload with 400', async () => {
      const t = await token(randomUUID(), { scope: 'profile:read' });
      expect(await statusOf(ask('not-a-uuid', `Bearer ${t}`))).toBe(400);
    });
  });

  it('answers every authenticated request with Cache-Control: no-store, refusals included', async () => {
    const userId = randomUUID();
    const t = await token(userId);
    const admin = await token(randomUUID(), { roles: ['admin'] });
    const answers = [
      await http('/profile/me', { method: 'PATCH', token: t, body: JSON.stringify({ shippingAddress: address }) }),
      await http('/profile/me', { token: t }),
      await http('/profile/me', { method: 'PATCH', token: t, body: JSON.stringify({ unknown: 1 }) }),
      await http(`/profiles/${userId}`, { token: admin }),
      await http(`/profiles/${userId}`, { token: t }),
      await http('/profile/me', { token: 'not.a.token' }),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 400, 200, 403, 401]);
    for (const res of answers) {
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
    // Unchanged: the health checks' own header.
    expect((await http('/health/ready')).headers.get('cache-control')).toBe('no-cache, no-store, must-revalidate');
  });
});
