export interface CallOptions {
  method?: string;
  body?: unknown;
  token?: string;
  /** How long the call may take before it is abandoned (15 s unless told). */
  timeoutMs?: number;
}

const PASSWORD = 'correct horse battery staple';
export const ADDRESS = { line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' };
export const ORDER = { items: [{ sku: 'BOOK-001', quantity: 1, unitPriceCents: 1200 }] };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns something other than undefined; the last failure is in the error. */
export async function eventuallyValue<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = 'never probed';
  while (Date.now() < deadline) {
    try {
      const result = await probe();
      if (result !== undefined) {
        return result;
      }
      last = 'not yet';
    } catch (e) {
      last = e;
    }
    await sleep(intervalMs);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms (last: ${last instanceof Error ? last.message : String(last)})`);
}

/**
 * HTTP calls to the instances of a running cluster, as a client would make them: `url` names
 * the instance's base URL. Every call is bounded.
 */
export function clusterClient(url: (instance: string) => string) {
  const call = (instance: string, path: string, init: CallOptions = {}) =>
    fetch(`${url(instance)}${path}`, {
      method: init.method ?? (init.body ? 'POST' : 'GET'),
      headers: {
        ...(init.body ? { 'content-type': 'application/json' } : {}),
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      },
      body: init.body ? JSON.stringify(init.body) : undefined,
      signal: AbortSignal.timeout(init.timeoutMs ?? 15_000),
    });
  const status = (instance: string, path: string, init: CallOptions = {}) =>
    call(instance, path, init).then((r) => r.status);

  async function login(email: string): Promise<string> {
    const res = await call('auth', '/auth/login', { body: { email, password: PASSWORD } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  /** Registers a new user named `name` through auth and signs them in. */
  async function register(name: string): Promise<{ id: string; token: string; email: string }> {
    const email = `${name.toLowerCase()}+${Date.now()}@resilience.test`;
    const registered = await call('auth', '/auth/register', { body: { email, password: PASSWORD, displayName: name } });
    expect(registered.status).toBe(201);
    const { id } = (await registered.json()) as { id: string };
    return { id, email, token: await login(email) };
  }

  /**
   * A registered user with a shipping address who has placed an order through each of
   * `ordersInstances`, so each has fetched its service token (for profile.get.v1) while auth is up.
   */
  async function customer(name: string, ordersInstances: string[]): Promise<{ id: string; token: string }> {
    const { id, token } = await register(name);
    expect(
      await status('profile-1', '/profile/me', { method: 'PATCH', token, body: { shippingAddress: ADDRESS } }),
    ).toBe(200);
    for (const instance of ordersInstances) {
      expect(await status(instance, '/orders', { token, body: ORDER })).toBe(201);
    }
    return { id, token };
  }

  return { call, status, login, register, customer };
}
