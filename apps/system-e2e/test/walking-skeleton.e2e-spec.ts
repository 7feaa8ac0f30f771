import { createHmac, createPublicKey, createSign, generateKeyPairSync, type JsonWebKey } from 'node:crypto';

import { connect } from '@nats-io/transport-node';
import { createTestSigningKey, signTestToken } from '@tessera/auth/testing';
import { namespacedSubject, OrdersSummaryReply, ProfileReply, Subjects } from '@tessera/contracts';
import { NatsRpcClient, TesseraError } from '@tessera/platform';
import { testDatabaseTargets, testNatsUrl } from '@tessera/platform/testing';

import { Cluster } from './cluster';
import { requestsAroundKill } from './support/requests-around-kill';

const password = 'correct horse battery staple';
const address = { line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' };
const order = { items: [{ sku: 'BOOK-001', quantity: 2, unitPriceCents: 1500 }] };

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

describe.each(testDatabaseTargets())('walking skeleton: auth → orders → NATS → profile on $name', (target) => {
  const cluster = new Cluster(target);
  let rpc: NatsRpcClient;
  let token: string;
  let userId: string;
  /** auth's real public key as PEM, the "secret" of the classic HS256 confusion attack. */
  let publicPem: string;

  const call = (
    service: 'auth' | 'orders' | 'profile',
    path: string,
    init: { method?: string; body?: unknown; token?: string } = {},
  ) =>
    fetch(`${cluster.url(service)}${path}`, {
      method: init.method ?? (init.body ? 'POST' : 'GET'),
      headers: {
        ...(init.body ? { 'content-type': 'application/json' } : {}),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      },
      body: init.body ? JSON.stringify(init.body) : undefined,
    });

  beforeAll(async () => {
    await cluster.start();
    rpc = new NatsRpcClient({ servers: testNatsUrl(), name: 'system-e2e', namespace: cluster.namespace });
    const email = `ada+${Date.now()}@example.test`;
    const registered = await call('auth', '/auth/register', { body: { email, password, displayName: 'Ada' } });
    expect(registered.status).toBe(201);
    userId = ((await registered.json()) as { id: string }).id;
    const login = await call('auth', '/auth/login', { body: { email, password } });
    expect(login.status).toBe(200);
    token = ((await login.json()) as { access_token: string }).access_token;
    const jwks = (await (await call('auth', '/.well-known/jwks.json')).json()) as { keys: JsonWebKey[] };
    publicPem = createPublicKey({ key: jwks.keys[0], format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
  }, 120_000);

  afterAll(async () => {
    await rpc?.onApplicationShutdown();
    await cluster.stopAll();
  });

  it('issues an RS256 at+jwt access token whose kid is in the JWKS', async () => {
    const [header, payload] = token.split('.') as [string, string];
    expect(decode(header)).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
    expect(decode(payload)).toMatchObject({ sub: userId, aud: expect.arrayContaining(['orders', 'profile']) });
    const jwks = (await (await call('auth', '/.well-known/jwks.json')).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toContain(decode(header).kid);
  });

  it('creates the profile from auth.user.registered.v1, with the display name given at registration', async () => {
    const deadline = Date.now() + 10_000;
    let profile: unknown;
    do {
      profile = await (await call('profile', '/profile/me', { token })).json();
      if ((profile as { displayName?: unknown }).displayName === 'Ada') {
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    } while (Date.now() < deadline);
    expect(profile).toMatchObject({ userId, displayName: 'Ada', shippingAddress: null });
  });

  it('answers 422 with a problem body, and keeps nothing, when the profile has no shipping address', async () => {
    const res = await call('orders', '/orders', { token, body: order });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await res.json()).toMatchObject({ status: 422, code: 'no_shipping_address' });
    expect(await (await call('orders', '/orders', { token })).json()).toEqual({ items: [], nextCursor: null });
  });

  it('places an order with the shipping address orders fetched from profile over NATS', async () => {
    const nc = await connect({ servers: testNatsUrl() });
    const placed$ = nc.subscribe(namespacedSubject(cluster.namespace, Subjects.OrderPlaced), {
      max: 1,
      timeout: 10_000,
    });
    const event = (async () => {
      for await (const m of placed$) {
        return m.json<Record<string, unknown>>();
      }
      return undefined;
    })();
    expect(
      (await call('profile', '/profile/me', { method: 'PATCH', token, body: { shippingAddress: address } })).status,
    ).toBe(200);
    const placed = await call('orders', '/orders', { token, body: order });
    expect(placed.status).toBe(201);
    expect(await placed.json()).toMatchObject({
      status: 'placed',
      totalCents: 3000,
      shippingAddress: address,
      items: order.items,
    });
    const list = (await (await call('orders', '/orders', { token })).json()) as {
      items: unknown[];
      nextCursor: string | null;
    };
    expect(list.items).toHaveLength(1);
    expect(list.nextCursor).toBeNull();
    // Announced once committed, through orders' outbox and JetStream.
    expect(await event).toMatchObject({
      userId,
      totalCents: 3000,
      itemCount: 1,
      orderId: (list.items[0] as { id: string }).id,
    });
    await nc.close();
  });

  it('shows the order summary that profile asked of orders on the user’s behalf', async () => {
    const me = await call('profile', '/profile/me', { token });
    expect(await me.json()).toMatchObject({ userId, shippingAddress: address, orders: { count: 1, totalCents: 3000 } });
  });

  it('refuses a logged-out token in orders and profile, over HTTP and NATS, with no call to auth', async () => {
    const email = `grace+${Date.now()}@example.test`;
    expect((await call('auth', '/auth/register', { body: { email, password } })).status).toBe(201);
    const login = await call('auth', '/auth/login', { body: { email, password } });
    const session = ((await login.json()) as { access_token: string }).access_token;
    expect((await call('orders', '/orders', { token: session })).status).toBe(200);
    expect((await call('auth', '/auth/logout', { method: 'POST', token: session })).status).toBe(204);
    // The revocation travels through the NATS KV bucket each service watches into memory.
    const started = Date.now();
    let elapsed = -1;
    while (Date.now() - started < 5000) {
      const [o, p] = await Promise.all([
        call('orders', '/orders', { token: session }),
        call('profile', '/profile/me', { token: session }),
      ]);
      if (o.status === 401 && p.status === 401) {
        elapsed = Date.now() - started;
        break;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(elapsed).toBeGreaterThanOrEqual(0);
    const summary = rpc.request(
      Subjects.OrdersSummary,
      { userId: decode(session.split('.')[1]).sub as string },
      OrdersSummaryReply,
      {
        authorization: `Bearer ${session}`,
      },
    );
    await expect(summary).rejects.toMatchObject({ status: 401 });
    // The original session is untouched.
    expect((await call('orders', '/orders', { token })).status).toBe(200);
  });

  it('accepts tokens of a key rotated in auth, in orders and profile, with no restart', async () => {
    const adminLogin = await call('auth', '/auth/login', { body: cluster.admin });
    const admin = ((await adminLogin.json()) as { access_token: string }).access_token;
    const rotated = await call('auth', '/admin/keys/rotate', { token: admin, body: {} });
    expect(rotated.status).toBe(200);
    const { kid } = (await rotated.json()) as { kid: string };
    expect(kid).not.toBe(decode(token.split('.')[0]).kid);
    const email = `rotation+${Date.now()}@example.test`;
    await call('auth', '/auth/register', { body: { email, password } });
    const fresh = (
      (await (await call('auth', '/auth/login', { body: { email, password } })).json()) as { access_token: string }
    ).access_token;
    expect(decode(fresh.split('.')[0]).kid).toBe(kid);
    expect((await call('orders', '/orders', { token: fresh })).status).toBe(200);
    expect((await call('profile', '/profile/me', { token: fresh })).status).toBe(200);
    // Tokens of the retired key stay valid until they expire.
    expect((await call('orders', '/orders', { token })).status).toBe(200);
    const jwks = (await (await call('auth', '/.well-known/jwks.json')).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([kid, decode(token.split('.')[0]).kid]));
  });

  it('keeps accepting the token in orders and profile while auth is down', async () => {
    await cluster.stop('auth');
    expect((await call('orders', '/orders', { token, body: order })).status).toBe(201);
    expect((await call('profile', '/profile/me', { token })).status).toBe(200);
    await expect(
      rpc.request(Subjects.OrdersSummary, { userId }, OrdersSummaryReply, { authorization: `Bearer ${token}` }),
    ).resolves.toEqual({ count: 2, totalCents: 6000 });
  });

  describe('refuses forged tokens with 401 in orders and profile, over HTTP and NATS', () => {
    const forgeries: [string, () => Promise<string>][] = [
      [
        'signed by another key',
        async () =>
          signTestToken(await createTestSigningKey(), { issuer: 'x', audience: ['orders', 'profile'], sub: userId }),
      ],
      [
        'signed by another key under the real kid',
        async () => {
          const other = await createTestSigningKey();
          return signTestToken(other, {
            issuer: decode(token.split('.')[1]).iss as string,
            audience: ['orders', 'profile'],
            sub: userId,
            header: { kid: decode(token.split('.')[0]).kid },
          });
        },
      ],
      ['alg none', async () => `${b64({ ...decode(token.split('.')[0]), alg: 'none' })}.${token.split('.')[1]}.`],
      [
        'HS256 keyed with the public key (algorithm confusion)',
        async () => {
          const head = b64({ ...decode(token.split('.')[0]), alg: 'HS256' });
          const body = token.split('.')[1];
          return `${head}.${body}.${createHmac('sha256', publicPem).update(`${head}.${body}`).digest('base64url')}`;
        },
      ],
      [
        'a changed payload under the real signature',
        async () => {
          const [h, p, s] = token.split('.') as [string, string, string];
          return `${h}.${b64({ ...decode(p), roles: ['admin'] })}.${s}`;
        },
      ],
      [
        'RS256 by a fresh key, typ JWT',
        async () => {
          const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
          const head = b64({ alg: 'RS256', typ: 'JWT', kid: decode(token.split('.')[0]).kid });
          const body = token.split('.')[1];
          return `${head}.${body}.${createSign('RSA-SHA256').update(`${head}.${body}`).sign(privateKey, 'base64url')}`;
        },
      ],
    ];

    it.each(forgeries)('%s', async (_name, forge) => {
      const forged = await forge();
      for (const service of ['orders', 'profile'] as const) {
        const res = await call(service, service === 'orders' ? '/orders' : '/profile/me', { token: forged });
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
      }
      const statusOf = (p: Promise<unknown>) =>
        p.then(
          () => 200,
          (e: unknown) => (e instanceof TesseraError ? e.status : 0),
        );
      const auth = { authorization: `Bearer ${forged}` };
      expect(await statusOf(rpc.request(Subjects.ProfileGet, { userId }, ProfileReply, auth))).toBe(401);
      expect(await statusOf(rpc.request(Subjects.OrdersSummary, { userId }, OrdersSummaryReply, auth))).toBe(401);
    });
  });

  it('never logged the access token or the password', () => {
    const logs = cluster.logs();
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(token.split('.')[2]);
    expect(logs).not.toContain(password);
  });
});

describe('a service token without the scope profile:read', () => {
  // orders' client may only ask for profile:write: its token names profile but cannot read it.
  const cluster = new Cluster(testDatabaseTargets()[0], {
    auth: { SERVICE_CLIENTS: 'orders=profile:write,profile=orders:read' },
  });
  let token: string;

  beforeAll(async () => {
    await cluster.start();
    const email = `scope+${Date.now()}@example.test`;
    const post = (path: string, body: unknown, bearer?: string, method = 'POST') =>
      fetch(`${cluster.url(path.startsWith('/profile') ? 'profile' : 'auth')}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
        body: JSON.stringify(body),
      });
    await post('/auth/register', { email, password });
    token = ((await (await post('/auth/login', { email, password })).json()) as { access_token: string }).access_token;
    await post('/profile/me', { shippingAddress: address }, token, 'PATCH');
  }, 120_000);

  afterAll(() => cluster.stopAll());

  it('is refused by profile with 403, and that 403 reaches the HTTP caller of orders as itself', async () => {
    const res = await fetch(`${cluster.url('orders')}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(order),
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ status: 403, code: 'profile_access_denied' });
  });
});

/**
 * Two profile instances in one queue group, sharing one PostgreSQL database (an embedded
 * PGlite belongs to a single process, so this runs on the PostgreSQL leg only: in CI, always).
 */
for (const target of testDatabaseTargets().filter((t) => t.name === 'postgres')) {
  describe(`profile replicas on ${target.name}`, () => {
    const cluster = new Cluster(target);
    let token: string;

    const call = (service: string, path: string, init: { method?: string; body?: unknown } = {}) =>
      fetch(`${cluster.url(service as 'orders')}${path}`, {
        method: init.method ?? (init.body ? 'POST' : 'GET'),
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: init.body ? JSON.stringify(init.body) : undefined,
      });

    beforeAll(async () => {
      await cluster.start();
      await cluster.startReplica('profile', 2);
      const email = `replica+${Date.now()}@example.test`;
      await fetch(`${cluster.url('auth')}/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      const login = await fetch(`${cluster.url('auth')}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      token = ((await login.json()) as { access_token: string }).access_token;
      expect(
        (await call('profile', '/profile/me', { method: 'PATCH', body: { shippingAddress: address } })).status,
      ).toBe(200);
    }, 120_000);

    afterAll(() => cluster.stopAll());

    it('keeps placing orders when one profile instance is killed; only requests it held can fail', async () => {
      const workers = 8;
      const run = await requestsAroundKill(
        async () => (await call('orders', '/orders', { body: order })).status,
        () => cluster.stop('profile', 'SIGKILL'),
        { workers, warmUp: 30, after: 40, timeoutMs: 90_000 },
      );
      const failed = run.requests.filter((r) => r.status !== 201);
      // A request can only be lost if the killed instance held it: at most one per worker.
      expect(failed.length).toBeLessThanOrEqual(workers);
      expect(failed.every((r) => run.exposed.includes(r) && (r.status === 503 || r.status === 504))).toBe(true);
      // After the kill, the surviving instance answers everything.
      const after = await Promise.all(Array.from({ length: 10 }, () => call('orders', '/orders', { body: order })));
      expect(after.map((r) => r.status)).toEqual(Array(10).fill(201));
    });
  });
}
