import { randomUUID } from 'node:crypto';
import { request } from 'node:http';

import { startVerifyingService, type VerifyingServiceHarness } from '@tessera/auth/testing';
import { OrdersSummaryReply, Subjects } from '@tessera/contracts';
import { testDatabaseTargets } from '@tessera/platform/testing';

import { createOrdersApp } from '../src/app';
import { loadOrdersConfig } from '../src/config/orders.config';

const order = { items: [{ sku: 'BOOK-001', quantity: 2, unitPriceCents: 1500 }] };

describe.each(testDatabaseTargets())('orders service on $name (profile not running)', (target) => {
  let h: VerifyingServiceHarness;
  let url: string;
  const token = (sub: string, extra?: Parameters<VerifyingServiceHarness['token']>[1]) => h.token(sub, extra);

  beforeAll(async () => {
    h = await startVerifyingService(
      target,
      (env) => createOrdersApp(loadOrdersConfig(env)),
      (db) => ({ ORDERS_DATA_DIR: db.dataDir, ORDERS_DATABASE_URL: db.url }),
    );
    url = h.url;
  });

  afterAll(() => h?.close());

  const post = (path: string, body: unknown, t?: string, contentType = 'application/json') =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType, ...(t ? { authorization: `Bearer ${t}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('answers 503 with a problem body, and writes nothing, when it cannot get its own service token', async () => {
    const t = await token(randomUUID());
    const res = await post('/orders', order, t);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 503, code: 'service_token_unavailable' });
    const list = await fetch(`${url}/orders`, { headers: { authorization: `Bearer ${t}` } });
    expect(await list.json()).toEqual({ items: [], nextCursor: null });
  });

  it.each([
    ['no items', { items: [] }],
    ['zero quantity', { items: [{ sku: 'A-1', quantity: 0, unitPriceCents: 1 }] }],
    ['fractional cents', { items: [{ sku: 'A-1', quantity: 1, unitPriceCents: 1.5 }] }],
    ['lower-case sku', { items: [{ sku: 'a b', quantity: 1, unitPriceCents: 1 }] }],
    ['a client-set total', { ...order, totalCents: 1 }],
    ['101 items', { items: Array.from({ length: 101 }, () => order.items[0]) }],
    ['an array as an item', { items: [[]] }],
    ['an array of fields as an item', { items: [['BOOK-001', 2, 1500]] }],
    ['a null item', { items: [null] }],
    ['null items', { items: null }],
    ['an object as the items', { items: { 0: order.items[0] } }],
    ['a null sku', { items: [{ ...order.items[0], sku: null }] }],
    ['a null body', null],
    ['an array as the body', [order]],
  ])('rejects %s with 400', async (_name, body) => {
    const res = await post('/orders', body, await token(randomUUID()));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ status: 400, code: 'validation_failed' });
  });

  it('rejects malformed JSON and a non-JSON content type without a 500', async () => {
    const t = await token(randomUUID());
    expect((await post('/orders', '{"items":', t)).status).toBe(400);
    expect((await post('/orders', 'items=1', t, 'text/plain')).status).toBe(415);
  });

  it('refuses a form body with 415 unsupported_media_type and stores nothing', async () => {
    const t = await token(randomUUID());
    const form = 'items[0][sku]=BOOK-001&items[0][quantity]=2&items[0][unitPriceCents]=1500';
    const res = await post('/orders', form, t, 'application/x-www-form-urlencoded');
    expect(res.status).toBe(415);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    const list = await fetch(`${url}/orders`, { headers: { authorization: `Bearer ${t}` } });
    expect(await list.json()).toEqual({ items: [], nextCursor: null });
  });

  it('answers 401 for missing, expired, wrong-audience and alg:none tokens', async () => {
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: h.key.kid })).toString('base64url')}.${Buffer.from(
      JSON.stringify({ iss: h.issuer, aud: 'orders', sub: randomUUID(), exp: 2e9, iat: 1, jti: 'x' }),
    ).toString('base64url')}.`;
    for (const t of [
      undefined,
      await token(randomUUID(), { expiresIn: -30 }),
      await token(randomUUID(), { audience: 'profile' }),
      none,
    ]) {
      const res = await post('/orders', order, t);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="tessera"/);
    }
  });

  it('answers 400 invalid_request for two Authorization headers', async () => {
    const t = await token(randomUUID());
    // fetch would fold repeated headers into one; node:http sends them as two header lines.
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        `${url}/orders`,
        { headers: ['host', new URL(url).host, 'authorization', `Bearer ${t}`, 'authorization', `Bearer ${t}`] },
        (res) => {
          let data = '';
          res.on('data', (c: Buffer) => (data += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(400);
    expect(JSON.parse(body)).toMatchObject({ code: 'invalid_request' });
  });

  describe(`NATS ${Subjects.OrdersSummary}`, () => {
    const ask = (userId: string, authorization?: string) =>
      h.rpc.request(Subjects.OrdersSummary, { userId }, OrdersSummaryReply, { authorization });
    const statusOf = (p: Promise<unknown>) => h.rpcStatus(p);

    it('summarises the user’s own orders', async () => {
      const userId = randomUUID();
      await expect(ask(userId, `Bearer ${await token(userId)}`)).resolves.toEqual({ count: 0, totalCents: 0 });
    });

    it('answers 403 for another user and 401 for a bad token', async () => {
      expect(await statusOf(ask(randomUUID(), `Bearer ${await token(randomUUID())}`))).toBe(403);
      expect(await statusOf(ask(randomUUID()))).toBe(401);
      expect(await statusOf(ask(randomUUID(), `Bearer ${await token(randomUUID(), { expiresIn: -30 })}`))).toBe(401);
    });

    it('answers a service token with the orders:read scope for any user, and refuses one without it', async () => {
      const reporting = await token('client:reporting', {
        roles: [],
        scope: 'orders:read',
        claims: { client_id: 'reporting' },
      });
      await expect(ask(randomUUID(), `Bearer ${reporting}`)).resolves.toEqual({ count: 0, totalCents: 0 });
      const other = await token('client:other', { roles: [], scope: 'profile:read', claims: { client_id: 'other' } });
      expect(await statusOf(ask(randomUUID(), `Bearer ${other}`))).toBe(403);
    });

    it('refuses another user to a user token that carries orders:read for its own orders, with 403', async () => {
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
  });
});
