import { randomUUID } from 'node:crypto';

import { type Tokens, TesseraApiError, TesseraClient, type TesseraClientOptions } from '@tessera/client';
import { testDatabaseTargets } from '@tessera/platform/testing';

import { type ClientSystem, countingFetch, startSystem } from './support/system';

const PASSWORD = 'correct horse battery staple';
const ADDRESS = { line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' };
const ITEMS = [{ sku: 'TILE-1', quantity: 3, unitPriceCents: 250 }];

/** The signature of a JWT with its last character changed: same claims, refused by every service. */
function tampered(jwt: string): string {
  return jwt.slice(0, -1) + (jwt.endsWith('A') ? 'B' : 'A');
}

async function rejection(promise: Promise<unknown>): Promise<TesseraApiError> {
  const outcome = await promise.then(
    () => new Error('expected the call to fail'),
    (e: unknown) => e,
  );
  expect(outcome).toBeInstanceOf(TesseraApiError);
  return outcome as TesseraApiError;
}

/**
 * A cookie jar around the real fetch, standing in for the browser's: it keeps the cookies auth
 * sets and sends them back on the paths they were set for, when the request asks for credentials.
 */
function browserLikeFetch(inner: typeof fetch): { fetch: typeof fetch; cookie(name: string): string | undefined } {
  const jar = new Map<string, { value: string; path: string }>();
  return {
    cookie: (name) => jar.get(name)?.value,
    fetch: async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : input);
      const headers = new Headers(init?.headers);
      if (init?.credentials === 'include') {
        const sent = [...jar].filter(([, c]) => url.pathname.startsWith(c.path)).map(([n, c]) => `${n}=${c.value}`);
        if (sent.length > 0) {
          headers.set('cookie', sent.join('; '));
        }
      }
      const res = await inner(input, { ...init, headers });
      if (init?.credentials === 'include') {
        for (const line of res.headers.getSetCookie()) {
          const [pair = '', ...attrs] = line.split(';').map((p) => p.trim());
          const [name = '', value = ''] = pair.split('=');
          const path = attrs.find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
          const expired = attrs.some((a) => /^max-age=0$/i.test(a)) || value === '';
          if (expired) {
            jar.delete(name);
          } else {
            jar.set(name, { value, path });
          }
        }
      }
      return res;
    },
  };
}

describe.each(testDatabaseTargets())('@tessera/client against the real apps on $name', (target) => {
  let system: ClientSystem;

  beforeAll(async () => {
    // A lockout long enough that the 429 below carries a Retry-After well above zero.
    system = await startSystem(target, { LOGIN_LOCKOUT_BASE_SECONDS: '60' });
  }, 180_000);

  afterAll(() => system?.close());

  const client = (options: Partial<TesseraClientOptions> = {}) => new TesseraClient({ ...system.urls, ...options });

  /** A new user, registered and signed in on a fresh memory-mode client. */
  async function signedIn(options: Partial<TesseraClientOptions> = {}) {
    const email = `c-${randomUUID()}@client.test`;
    const c = client(options);
    await c.auth.register({ email, password: PASSWORD, displayName: 'Ada' });
    await c.auth.login({ email, password: PASSWORD });
    return { c, email };
  }

  it('signs in, reads the user, places an order and lists it', async () => {
    const { c, email } = await signedIn();
    const me = await c.auth.me();
    expect(me).toEqual({ id: expect.any(String), email, roles: ['user'] });

    await c.profile.update({ shippingAddress: ADDRESS });
    const order = await c.orders.create({ items: ITEMS });
    expect(order).toMatchObject({ status: 'placed', totalCents: 750, userId: me.id, shippingAddress: ADDRESS });

    const page = await c.orders.list({ limit: 10 });
    expect(page.items.map((o) => o.id)).toEqual([order.id]);
    expect(await c.orders.get(order.id)).toEqual(order);
    expect((await c.profile.me()).orders).toEqual({ count: 1, totalCents: 750 });
    expect((await c.orders.cancel(order.id)).status).toBe('cancelled');
    expect(await c.sessions.list()).toEqual([expect.objectContaining({ current: true })]);
  });

  it('refreshes once, before the requests, for several parallel calls on a token about to expire', async () => {
    const counter = countingFetch();
    let skewMs = 0;
    const seen: (Tokens | null)[] = [];
    const { c } = await signedIn({
      fetch: counter.fetch,
      now: () => Date.now() + skewMs,
      onTokens: (t) => seen.push(t),
    });
    await c.profile.update({ shippingAddress: ADDRESS });
    const before = c.currentTokens!;
    counter.reset();

    // The client's clock says the token expires within the refresh skew.
    skewMs = 15 * 60_000 - 5_000;
    const results = await Promise.all([
      c.auth.me(),
      c.orders.list(),
      c.profile.me(),
      c.sessions.list(),
      c.orders.list(),
    ]);
    skewMs = 0;

    expect(counter.count('POST', '/auth/refresh')).toBe(1);
    expect(results).toHaveLength(5);
    const after = c.currentTokens!;
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(seen.at(-1)).toEqual(after);
    // No request went out with the old token and came back 401.
    expect(counter.count('GET', '/auth/me')).toBe(1);
  });

  it('after 401 invalid_token, refreshes once for several parallel calls and retries each once', async () => {
    const { c: first } = await signedIn();
    const tokens = first.currentTokens!;
    const counter = countingFetch();
    const c = client({
      fetch: counter.fetch,
      tokens: { accessToken: tampered(tokens.accessToken), refreshToken: tokens.refreshToken! },
    });

    const [me, orders, profile, sessions] = await Promise.all([
      c.auth.me(),
      c.orders.list(),
      c.profile.me(),
      c.sessions.list(),
    ]);

    expect(counter.count('POST', '/auth/refresh')).toBe(1);
    expect(me.email).toMatch(/@client\.test$/);
    expect(orders.items).toEqual([]);
    expect(profile.displayName).toBe('Ada');
    expect(sessions).toHaveLength(1);
    // Each call: the refused try and the retry.
    expect(counter.count('GET', '/auth/me')).toBe(2);
    expect(counter.count('GET', '/orders')).toBe(2);
  });

  it('signs out when the refresh is refused: every pending call rejects with signed_out, onSignedOut once', async () => {
    const counter = countingFetch();
    const signedOut: TesseraApiError[] = [];
    const tokenEvents: (Tokens | null)[] = [];
    const { c, email } = await signedIn({
      fetch: counter.fetch,
      onSignedOut: (e) => signedOut.push(e),
      onTokens: (t) => tokenEvents.push(t),
    });
    await c.auth.me();

    // Another device of the same user signs out everywhere: this client's tokens are revoked.
    const other = client();
    await other.auth.login({ email, password: PASSWORD });
    await other.auth.logoutAll();
    expect(other.signedIn).toBe(false);
    counter.reset();

    const errors = await Promise.all([rejection(c.auth.me()), rejection(c.sessions.list()), rejection(c.auth.me())]);

    for (const e of errors) {
      expect(e).toMatchObject({ status: 401, code: 'signed_out', signedOut: true });
    }
    expect(counter.count('POST', '/auth/refresh')).toBe(1);
    expect(signedOut).toHaveLength(1);
    expect(signedOut[0].cause).toBeInstanceOf(TesseraApiError);
    expect((signedOut[0].cause as TesseraApiError).status).toBe(401);
    expect(tokenEvents.at(-1)).toBeNull();
    expect(c.signedIn).toBe(false);
    // Signed out, the client does not call the API at all.
    counter.reset();
    expect((await rejection(c.orders.list())).code).toBe('signed_out');
    expect(counter.count('GET', '/orders')).toBe(0);
  });

  it('surfaces Retry-After of a 429 as retryAfter', async () => {
    const email = `c-${randomUUID()}@client.test`;
    const c = client();
    await c.auth.register({ email, password: PASSWORD });
    let error: TesseraApiError | undefined;
    for (let i = 0; i < 10 && error?.status !== 429; i++) {
      error = await rejection(c.auth.login({ email, password: 'wrong password, wrong password' }));
    }
    expect(error!.status).toBe(429);
    expect(error!.retryAfter).toBeGreaterThan(0);
    expect(error!.code).toEqual(expect.any(String));
  });

  it('surfaces the code and messages of validation errors, and RFC 6749 errors of /oauth', async () => {
    const c = client();
    const bad = await rejection(c.auth.register({ email: 'not an email', password: PASSWORD }));
    expect(bad).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(bad.errors?.length).toBeGreaterThan(0);

    const { c: user } = await signedIn();
    const order = await rejection(user.orders.create({ items: [{ sku: 'X', quantity: 0, unitPriceCents: -1 }] }));
    expect(order).toMatchObject({ status: 400, code: 'validation_failed' });

    const oauth = await rejection(
      c.oauth.token({ grant_type: 'client_credentials', client_id: 'orders', client_secret: 'not the secret' }),
    );
    expect(oauth).toMatchObject({ status: 401, code: 'invalid_client' });
  });

  it('gives an admin the admin endpoints, and a user a 403 insufficient_scope', async () => {
    const { c: user } = await signedIn();
    const me = await user.auth.me();
    expect(await rejection(user.admin.users.list())).toMatchObject({ status: 403, authError: 'insufficient_scope' });

    const admin = client();
    await admin.auth.login(system.admin);
    const page = await admin.admin.users.list({ limit: 100 });
    expect(page.items.map((u) => u.email)).toContain(me.email);
    expect(await admin.admin.profiles.get(me.id)).toMatchObject({ userId: me.id, displayName: 'Ada' });
    expect(await admin.admin.keys.rotate()).toEqual({ kid: expect.any(String), alg: 'RS256' });
    expect(await admin.admin.users.update(me.id, { disabled: true })).toMatchObject({ id: me.id, disabled: true });
  });

  it('browser mode: keeps only the access token and refreshes through the HttpOnly cookie', async () => {
    const email = `c-${randomUUID()}@client.test`;
    const jar = browserLikeFetch(fetch);
    const c = client({ mode: 'browser', fetch: jar.fetch });
    await c.auth.register({ email, password: PASSWORD });
    await c.auth.login({ email, password: PASSWORD });
    expect(c.currentTokens).toEqual({ accessToken: expect.any(String) });
    expect(jar.cookie('tessera_refresh')).toEqual(expect.any(String));
    const firstCookie = jar.cookie('tessera_refresh');

    await c.auth.refresh();
    expect(jar.cookie('tessera_refresh')).not.toBe(firstCookie);
    expect((await c.auth.me()).email).toBe(email);

    // A reloaded page: a new client with nothing in memory signs in again from the cookie.
    const reloaded = client({ mode: 'browser', fetch: jar.fetch });
    expect((await reloaded.auth.me()).email).toBe(email);

    await reloaded.auth.logout();
    expect(jar.cookie('tessera_refresh')).toBeUndefined();
    expect((await rejection(client({ mode: 'browser', fetch: jar.fetch }).auth.me())).code).toBe('signed_out');
  });
});
