import { randomBytes, randomUUID } from 'node:crypto';

import type { NatsConnection } from '@nats-io/transport-node';
import { connect, headers as natsHeaders } from '@nats-io/transport-node';
import { Headers, namespacedSubject, type RpcErrorReply, Subjects } from '@tessera/contracts';
import { metricValue, testDatabaseTargets, testNatsUrl } from '@tessera/platform/testing';

import { type AppName, Cluster } from './cluster';

const password = 'correct horse battery staple';
const address = { line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' };
const order = { items: [{ sku: 'BOOK-001', quantity: 2, unitPriceCents: 1500 }] };
const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS = 'urn:ietf:params:oauth:token-type:access_token';
const EXCHANGED = 'tessera_auth_exchanged_tokens_issued_total';
const VERIFICATIONS = 'tessera_auth_token_verifications_total';

/** The reply packet NestJS's NATS transport sends back: the answer, or the RPC filter's error. */
interface ReplyPacket {
  response?: unknown;
  err?: RpcErrorReply;
  isDisposed?: boolean;
}

type LogLine = Record<string, unknown>;

const isLogLine = (value: unknown): value is LogLine =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

/**
 * The three apps as processes, on real NATS. Profile exchanges the user's token at auth
 * (RFC 8693) before it asks orders for the order summary; orders accepts an `act` only from the
 * actors in its AUTH_ALLOWED_ACTORS. The test knows the secrets of profile and of a second
 * exchange client, `reports`, so it can exchange tokens exactly as they do.
 */
class ExchangeSystem {
  readonly cluster: Cluster;
  readonly secrets = {
    profile: randomBytes(32).toString('base64url'),
    reports: randomBytes(32).toString('base64url'),
  };
  private nc?: NatsConnection;

  constructor(orders: Record<string, string> = {}) {
    this.cluster = new Cluster(testDatabaseTargets()[0], {
      auth: {
        // The default clients, plus `reports`: allowed by auth to exchange for orders, yet not an
        // actor orders' AUTH_ALLOWED_ACTORS lists. User tokens name it so it may exchange them.
        SERVICE_CLIENTS: 'orders=profile:read,profile=orders:read,reports=orders:read',
        TOKEN_EXCHANGE_CLIENTS: 'profile=orders:read,reports=orders:read',
        ACCESS_TOKEN_AUDIENCE: 'auth,orders,profile,reports',
        SERVICE_CLIENT_SECRET_PROFILE: this.secrets.profile,
        SERVICE_CLIENT_SECRET_REPORTS: this.secrets.reports,
      },
      profile: { SERVICE_CLIENT_SECRET: this.secrets.profile },
      orders,
    });
  }

  async start(): Promise<void> {
    await this.cluster.start();
    this.nc = await connect({ servers: testNatsUrl(), name: 'system-e2e-exchange' });
  }

  async stop(): Promise<void> {
    await this.nc?.close();
    await this.cluster.stopAll();
  }

  call(
    service: AppName,
    path: string,
    init: { method?: string; body?: unknown; token?: string; requestId?: string } = {},
  ): Promise<Response> {
    return fetch(`${this.cluster.url(service)}${path}`, {
      method: init.method ?? (init.body ? 'POST' : 'GET'),
      headers: {
        ...(init.body ? { 'content-type': 'application/json' } : {}),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.requestId ? { 'x-request-id': init.requestId } : {}),
      },
      body: init.body ? JSON.stringify(init.body) : undefined,
    });
  }

  /** A new user with a shipping address and one placed order (3000 cents); their access token. */
  async userWithAnOrder(): Promise<{ userId: string; email: string; token: string }> {
    const email = `exchange+${randomBytes(4).toString('hex')}@example.test`;
    const registered = await this.call('auth', '/auth/register', { body: { email, password } });
    expect(registered.status).toBe(201);
    const { id: userId } = (await registered.json()) as { id: string };
    const token = await this.signIn(email);
    const patched = await this.call('profile', '/profile/me', {
      method: 'PATCH',
      token,
      body: { shippingAddress: address },
    });
    expect(patched.status).toBe(200);
    expect((await this.call('orders', '/orders', { token, body: order })).status).toBe(201);
    return { userId, email, token };
  }

  async signIn(email: string): Promise<string> {
    const login = await this.call('auth', '/auth/login', { body: { email, password } });
    expect(login.status).toBe(200);
    return ((await login.json()) as { access_token: string }).access_token;
  }

  /** What the exchange client `client` gets from auth's token endpoint for `subjectToken`. */
  async exchange(client: keyof ExchangeSystem['secrets'], subjectToken: string): Promise<string> {
    const res = await fetch(`${this.cluster.url('auth')}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client}:${this.secrets[client]}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: GRANT,
        subject_token: subjectToken,
        subject_token_type: ACCESS,
        audience: 'orders',
        scope: 'orders:read',
      }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  /** `orders.summary.v1` over NATS with `token`, as any caller sends it: the reply packet as received. */
  async summaryOverNats(token: string, userId: string): Promise<ReplyPacket> {
    const h = natsHeaders();
    h.set(Headers.Authorization, `Bearer ${token}`);
    const packet = { pattern: Subjects.OrdersSummary, data: { userId }, id: randomUUID() };
    const reply = await this.nc!.request(
      namespacedSubject(this.cluster.namespace, Subjects.OrdersSummary),
      JSON.stringify(packet),
      { headers: h, timeout: 10_000 },
    );
    return reply.json<ReplyPacket>();
  }

  async scrape(service: AppName): Promise<string> {
    const res = await fetch(`${this.cluster.url(service)}/metrics`);
    expect(res.status).toBe(200);
    return res.text();
  }

  /** The JSON log lines of `service` with this request id, waiting up to 5 s for one matching `expected`. */
  async linesOf(service: AppName, requestId: string, expected: LogLine): Promise<LogLine[]> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const lines = (this.cluster.apps.get(service)?.output.join('') ?? '').split('\n').flatMap((line): LogLine[] => {
        try {
          const parsed: unknown = JSON.parse(line);
          return isLogLine(parsed) && parsed.requestId === requestId ? [parsed] : [];
        } catch {
          return [];
        }
      });
      if (lines.some((l) => Object.entries(expected).every(([k, v]) => l[k] === v)) || Date.now() > deadline) {
        return lines;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('token exchange on the profile → orders hop, through the running system', () => {
  const system = new ExchangeSystem();

  beforeAll(() => system.start(), 120_000);
  afterAll(() => system.stop());

  it('shows in GET /profile/me the order summary orders gave profile for a token exchanged at auth', async () => {
    const { userId, token } = await system.userWithAnOrder();
    const before = await system.scrape('auth');
    // The series is there from the start, at 0: nothing was exchanged yet.
    expect(before).toMatch(new RegExp(`^${EXCHANGED}\\{[^}]*client="profile"[^}]*\\} 0$`, 'm'));
    const ordersBefore = metricValue(await system.scrape('orders'), VERIFICATIONS, {
      transport: 'nats',
      outcome: 'valid',
    });

    const requestId = `exchange-${randomBytes(6).toString('hex')}`;
    const me = await system.call('profile', '/profile/me', { token, requestId });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ userId, shippingAddress: address, orders: { count: 1, totalCents: 3000 } });

    // Auth issued profile one exchanged token for it, and no other client any ...
    const after = await system.scrape('auth');
    expect(metricValue(after, EXCHANGED, { client: 'profile' })).toBe(1);
    expect(metricValue(after, EXCHANGED, { client: 'reports' })).toBe(0);
    // ... at its token endpoint, within this very request ...
    expect(await system.linesOf('auth', requestId, { route: '/oauth/token' })).toContainEqual(
      expect.objectContaining({ msg: 'request completed', method: 'POST', route: '/oauth/token', status: 200 }),
    );
    // ... which orders then verified over NATS and answered.
    expect(await system.linesOf('orders', requestId, { msg: 'nats request handled' })).toContainEqual(
      expect.objectContaining({ subject: 'orders.summary.v1', outcome: 'ok' }),
    );
    expect(
      metricValue(await system.scrape('orders'), VERIFICATIONS, { transport: 'nats', outcome: 'valid' }),
    ).toBeGreaterThan(ordersBefore);
  });

  it('reuses the exchanged token for the same user token, and exchanges anew after a new sign-in', async () => {
    const { userId, email, token } = await system.userWithAnOrder();
    const exchanged = async () => metricValue(await system.scrape('auth'), EXCHANGED, { client: 'profile' });
    const start = await exchanged();

    expect(await (await system.call('profile', '/profile/me', { token })).json()).toMatchObject({
      orders: { count: 1, totalCents: 3000 },
    });
    expect((await system.call('orders', '/orders', { token, body: order })).status).toBe(201);
    // The second order shows at once: the summary is asked anew, with the token exchanged before.
    expect(await (await system.call('profile', '/profile/me', { token })).json()).toMatchObject({
      userId,
      orders: { count: 2, totalCents: 6000 },
    });
    expect(await exchanged()).toBe(start + 1);

    // Another sign-in is another user token (another jti): profile exchanges that one in turn.
    const again = await system.signIn(email);
    expect(await (await system.call('profile', '/profile/me', { token: again })).json()).toMatchObject({
      userId,
      orders: { count: 2, totalCents: 6000 },
    });
    expect(await exchanged()).toBe(start + 2);
  });

  it('refuses over NATS, as 401 invalid_token, a token exchanged by a client orders does not allow', async () => {
    const { userId, token } = await system.userWithAnOrder();
    const byReports = await system.exchange('reports', token);
    // The same user, audience and scope as profile's exchanged token: only the actor differs.
    expect(claimsOf(byReports)).toMatchObject({ sub: userId, aud: ['orders'], act: { sub: 'client:reports' } });
    const refusedBefore = metricValue(await system.scrape('orders'), VERIFICATIONS, {
      transport: 'nats',
      outcome: 'invalid',
      reason: 'actor_not_allowed',
    });

    const refused = await system.summaryOverNats(byReports, userId);
    expect(refused.response).toBeUndefined();
    expect(refused.err).toEqual({ status: 401, code: 'invalid_token', message: expect.any(String) });
    expect(
      metricValue(await system.scrape('orders'), VERIFICATIONS, {
        transport: 'nats',
        outcome: 'invalid',
        reason: 'actor_not_allowed',
      }),
    ).toBe(refusedBefore + 1);
    // Over HTTP the same token is the same RFC 6750 refusal.
    const http = await system.call('orders', '/orders', { token: byReports });
    expect(http.status).toBe(401);
    expect(http.headers.get('www-authenticate')).toContain('error="invalid_token"');

    // profile's exchanged token for the same user, and the user's own token (no act), are answered.
    const byProfile = await system.exchange('profile', token);
    expect(claimsOf(byProfile)).toMatchObject({ sub: userId, act: { sub: 'client:profile' } });
    expect(await system.summaryOverNats(byProfile, userId)).toMatchObject({
      response: { count: 1, totalCents: 3000 },
    });
    expect(claimsOf(token).act).toBeUndefined();
    expect(await system.summaryOverNats(token, userId)).toMatchObject({ response: { count: 1, totalCents: 3000 } });
  });
});

describe('orders started with AUTH_ALLOWED_ACTORS=none', () => {
  const system = new ExchangeSystem({ AUTH_ALLOWED_ACTORS: 'none' });

  beforeAll(() => system.start(), 120_000);
  afterAll(() => system.stop());

  it("refuses profile's exchanged token over NATS as 401 invalid_token, and still answers the user's own token", async () => {
    const { userId, token } = await system.userWithAnOrder();
    const byProfile = await system.exchange('profile', token);

    const refused = await system.summaryOverNats(byProfile, userId);
    expect(refused.err).toEqual({ status: 401, code: 'invalid_token', message: expect.any(String) });
    expect(
      metricValue(await system.scrape('orders'), VERIFICATIONS, {
        transport: 'nats',
        outcome: 'invalid',
        reason: 'actor_not_allowed',
      }),
    ).toBe(1);
    expect(await system.summaryOverNats(token, userId)).toMatchObject({ response: { count: 1, totalCents: 3000 } });
  });

  it('refuses the token profile exchanged for GET /profile/me: auth counts the exchange, orders the refusal', async () => {
    const { token } = await system.userWithAnOrder();
    const exchanged = async () => metricValue(await system.scrape('auth'), EXCHANGED, { client: 'profile' });
    const refusals = async () =>
      metricValue(await system.scrape('orders'), VERIFICATIONS, {
        transport: 'nats',
        outcome: 'invalid',
        reason: 'actor_not_allowed',
      });
    const [exchangedBefore, refusedBefore] = [await exchanged(), await refusals()];

    const requestId = `refused-${randomBytes(6).toString('hex')}`;
    const answer = await system.call('profile', '/profile/me', { token, requestId });
    // The user's own token was fine: a 502 between the services, not a 401 that signs them out.
    expect(answer.status).toBe(502);
    expect(answer.headers.get('www-authenticate')).toBeNull();
    expect(await answer.json()).toMatchObject({ code: 'upstream_refused' });
    expect(await exchanged()).toBe(exchangedBefore + 1);
    expect(await system.linesOf('orders', requestId, { msg: 'nats request handled' })).toContainEqual(
      expect.objectContaining({ subject: 'orders.summary.v1', outcome: 'rejected', status: 401 }),
    );
    expect(await refusals()).toBe(refusedBefore + 1);
  });
});
