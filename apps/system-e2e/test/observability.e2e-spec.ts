import { randomBytes } from 'node:crypto';

import { metricValue, testDatabaseTargets } from '@tessera/platform/testing';

import { type AppName, Cluster } from './cluster';

const password = 'correct horse battery staple';
const address = { line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' };
const order = { items: [{ sku: 'BOOK-001', quantity: 1, unitPriceCents: 990 }] };

type LogLine = Record<string, unknown>;

const isLogLine = (value: unknown): value is LogLine =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A token with one character of its signature changed: well-formed, known kid, wrong signature. */
function forge(token: string): string {
  const dot = token.lastIndexOf('.');
  const at = dot + Math.floor((token.length - dot) / 2);
  return `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
}

describe('logs and metrics of the three apps', () => {
  // Small sign-in limits and no refresh grace, so a lockout and a reuse happen within seconds.
  const cluster = new Cluster(testDatabaseTargets()[0], {
    auth: { LOGIN_ACCOUNT_MAX_FAILURES: '2', LOGIN_LOCKOUT_BASE_SECONDS: '60', REFRESH_REUSE_GRACE_SECONDS: '0' },
  });
  let token: string;
  let refreshToken: string;

  const call = (
    service: AppName,
    path: string,
    init: { method?: string; body?: unknown; token?: string; requestId?: string } = {},
  ) =>
    fetch(`${cluster.url(service)}${path}`, {
      method: init.method ?? (init.body ? 'POST' : 'GET'),
      headers: {
        ...(init.body ? { 'content-type': 'application/json' } : {}),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.requestId ? { 'x-request-id': init.requestId } : {}),
      },
      body: init.body ? JSON.stringify(init.body) : undefined,
    });

  /** The JSON lines an app wrote to stdout so far (anything else skipped). */
  const logLines = (service: AppName): LogLine[] =>
    (cluster.apps.get(service)?.output.join('') ?? '').split('\n').flatMap((line): LogLine[] => {
      try {
        const parsed: unknown = JSON.parse(line);
        return isLogLine(parsed) ? [parsed] : [];
      } catch {
        return [];
      }
    });

  /** The lines of `service` with this request id, waiting up to 5 s for one matching `expected`. */
  async function linesOf(service: AppName, requestId: string, expected: LogLine): Promise<LogLine[]> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const lines = logLines(service).filter((l) => l.requestId === requestId);
      if (lines.some((l) => Object.entries(expected).every(([k, v]) => l[k] === v)) || Date.now() > deadline) {
        return lines;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const scrape = async (service: AppName) => {
    const res = await fetch(`${cluster.url(service)}/metrics`);
    expect(res.status).toBe(200);
    return res.text();
  };

  beforeAll(async () => {
    await cluster.start();
    const email = `obs+${Date.now()}@example.test`;
    expect((await call('auth', '/auth/register', { body: { email, password } })).status).toBe(201);
    expect((await call('auth', '/auth/login', { body: { email, password: 'not the password' } })).status).toBe(401);
    const login = await call('auth', '/auth/login', { body: { email, password } });
    expect(login.status).toBe(200);
    ({ access_token: token, refresh_token: refreshToken } = (await login.json()) as {
      access_token: string;
      refresh_token: string;
    });
    // The profile appears from auth.user.registered.v1; then it gets the address orders needs.
    const deadline = Date.now() + 10_000;
    while ((await call('profile', '/profile/me', { token })).status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const patched = await call('profile', '/profile/me', {
      method: 'PATCH',
      token,
      body: { shippingAddress: address },
    });
    expect(patched.status).toBe(200);
  }, 120_000);

  afterAll(() => cluster.stopAll());

  it('follows one request id from an order in orders, through the NATS hop, into profile (and auth)', async () => {
    const requestId = `follow-${randomBytes(6).toString('hex')}`;
    const res = await call('orders', '/orders', { token, body: order, requestId });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe(requestId);

    expect(await linesOf('orders', requestId, { msg: 'request completed' })).toContainEqual(
      expect.objectContaining({
        service: 'orders',
        level: 'info',
        msg: 'request completed',
        method: 'POST',
        route: '/orders',
        status: 201,
        durationMs: expect.any(Number),
      }),
    );
    expect(await linesOf('profile', requestId, { msg: 'nats request handled' })).toContainEqual(
      expect.objectContaining({ service: 'profile', subject: 'profile.get.v1', outcome: 'ok' }),
    );
    // Orders fetched its first service token for this order: auth's line carries the id too.
    expect(await linesOf('auth', requestId, { msg: 'request completed' })).toContainEqual(
      expect.objectContaining({ service: 'auth', route: '/oauth/token', status: 200 }),
    );
  });

  it('follows a request from profile into orders, where profile asks for the order summary', async () => {
    const requestId = `summary-${randomBytes(6).toString('hex')}`;
    const res = await call('profile', '/profile/me', { token, requestId });
    expect(res.status).toBe(200);
    expect(await linesOf('profile', requestId, { msg: 'request completed' })).toContainEqual(
      expect.objectContaining({ route: '/profile/me', status: 200 }),
    );
    expect(await linesOf('orders', requestId, { msg: 'nats request handled' })).toContainEqual(
      expect.objectContaining({ service: 'orders', subject: 'orders.summary.v1', outcome: 'ok' }),
    );
  });

  it('gives a request without an id a new one, and answers it back', async () => {
    const res = await call('orders', '/orders', { token, requestId: 'not a valid id!' });
    const given = res.headers.get('x-request-id');
    expect(given).toMatch(/^[0-9a-f-]{36}$/);
    expect(await linesOf('orders', given ?? '', { msg: 'request completed' })).toContainEqual(
      expect.objectContaining({ route: '/orders', status: 200 }),
    );
  });

  it('counts sign-ins, lockouts, refresh reuse and verifications in auth', async () => {
    const locked = `locked+${Date.now()}@example.test`;
    await call('auth', '/auth/register', { body: { email: locked, password } });
    // Two failures lock the account (LOGIN_ACCOUNT_MAX_FAILURES=2); the third attempt is a 429.
    expect((await call('auth', '/auth/login', { body: { email: locked, password: 'wrong 1' } })).status).toBe(401);
    expect((await call('auth', '/auth/login', { body: { email: locked, password: 'wrong 2' } })).status).toBe(401);
    expect((await call('auth', '/auth/login', { body: { email: locked, password } })).status).toBe(429);
    // A refresh, then the rotated token again: reuse.
    expect((await call('auth', '/auth/refresh', { body: { refresh_token: refreshToken } })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    expect((await call('auth', '/auth/refresh', { body: { refresh_token: refreshToken } })).status).toBe(401);
    expect((await call('auth', '/auth/me', { token: forge(token) })).status).toBe(401);

    const text = await scrape('auth');
    expect(metricValue(text, 'tessera_auth_login_attempts_total', { outcome: 'succeeded' })).toBe(1);
    expect(metricValue(text, 'tessera_auth_login_attempts_total', { outcome: 'invalid_credentials' })).toBe(3);
    expect(metricValue(text, 'tessera_auth_login_attempts_total', { outcome: 'throttled' })).toBe(1);
    expect(metricValue(text, 'tessera_auth_lockouts_total', { scope: 'account' })).toBe(1);
    expect(metricValue(text, 'tessera_auth_lockouts_total', { scope: 'address' })).toBe(0);
    expect(metricValue(text, 'tessera_auth_refresh_reuse_detections_total')).toBe(1);
    expect(
      metricValue(text, 'tessera_auth_token_verifications_total', {
        transport: 'http',
        outcome: 'invalid',
        reason: 'bad_signature',
      }),
    ).toBe(1);
    expect(metricValue(text, 'tessera_auth_key_set_size')).toBeGreaterThanOrEqual(1);
    // The reuse revoked the family's access token: at least one entry in every replica's set.
    expect(metricValue(text, 'tessera_auth_revocation_set_size')).toBeGreaterThanOrEqual(1);
    expect(
      metricValue(text, 'tessera_http_request_duration_seconds_count', { route: '/auth/login', status_code: '429' }),
    ).toBe(1);
  });

  it('counts verifications by outcome and reason, and HTTP and NATS latency, in orders and profile', async () => {
    expect((await call('orders', '/orders', { token: forge(token) })).status).toBe(401);
    expect((await call('orders', '/orders')).status).toBe(401);

    const orders = await scrape('orders');
    const verifications = (labels: Record<string, string>) =>
      metricValue(orders, 'tessera_auth_token_verifications_total', { transport: 'http', ...labels });
    expect(verifications({ outcome: 'invalid', reason: 'bad_signature' })).toBe(1);
    expect(verifications({ outcome: 'missing' })).toBe(1);
    expect(verifications({ outcome: 'valid' })).toBeGreaterThanOrEqual(2);
    expect(
      metricValue(orders, 'tessera_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/orders',
        status_code: '201',
      }),
    ).toBe(1);
    expect(
      metricValue(orders, 'tessera_nats_client_request_duration_seconds_count', {
        subject: 'profile.get.v1',
        outcome: 'ok',
      }),
    ).toBe(1);
    expect(
      metricValue(orders, 'tessera_nats_handler_duration_seconds_count', {
        subject: 'orders.summary.v1',
        outcome: 'ok',
      }),
    ).toBeGreaterThanOrEqual(1);
    // Keys published by auth at its start, a minute ago at most; verified locally since.
    const age = metricValue(orders, 'tessera_auth_key_set_age_seconds');
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(300);
    expect(orders).toMatch(/^tessera_auth_revocation_set_size\{service="orders"\} \d+$/m);

    const profile = await scrape('profile');
    // orders asked with its service token over NATS: verified there, by profile's NATS guard.
    expect(
      metricValue(profile, 'tessera_auth_token_verifications_total', { transport: 'nats', outcome: 'valid' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      metricValue(profile, 'tessera_nats_handler_duration_seconds_count', { subject: 'profile.get.v1', outcome: 'ok' }),
    ).toBe(1);
  });

  it('keeps /metrics and the request lines free of tokens and passwords', async () => {
    const everything = [cluster.logs(), await scrape('auth'), await scrape('orders'), await scrape('profile')].join(
      '\n',
    );
    expect(everything).not.toContain(token.split('.')[2]);
    expect(everything).not.toContain(refreshToken);
    expect(everything).not.toContain(password);
  });
});
