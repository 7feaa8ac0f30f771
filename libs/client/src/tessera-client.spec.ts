import { TesseraClient } from './tessera-client';

const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** An unsigned stand-in for an access token: the client only reads `iat` and `exp`. */
const jwt = (iatSeconds: number, lifetimeSeconds: number) =>
  `${part({ alg: 'RS256', typ: 'at+jwt' })}.${part({ iat: iatSeconds, exp: iatSeconds + lifetimeSeconds })}.sig`;

const T0 = 1_900_000_000;

/** A client whose clock reads `at` seconds and whose API answers every call; counts refreshes. */
function clientAt(token: string) {
  let at = T0;
  const calls: string[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const path = new URL(input instanceof Request ? input.url : input).pathname;
    calls.push(`${init?.method} ${path}`);
    const body =
      path === '/auth/refresh'
        ? { access_token: jwt(at, 900), token_type: 'Bearer', expires_in: 900, refresh_token: 'r2' }
        : { id: 'u1', email: 'ada@example.com', roles: ['user'] };
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  };
  const client = new TesseraClient({
    authUrl: 'http://auth.test',
    ordersUrl: 'http://orders.test',
    profileUrl: 'http://profile.test',
    tokens: { accessToken: token, refreshToken: 'r1' },
    fetch,
    now: () => at * 1000,
  });
  return {
    client,
    setClock: (seconds: number) => void (at = seconds),
    refreshes: () => calls.filter((c) => c === 'POST /auth/refresh').length,
  };
}

describe('TesseraClient refresh before a request', () => {
  it('refreshes a 15-minute token only within the 30 s skew of its expiry', async () => {
    const c = clientAt(jwt(T0, 900));
    c.setClock(T0 + 869);
    await c.client.auth.me();
    expect(c.refreshes()).toBe(0);
    c.setClock(T0 + 871);
    await c.client.auth.me();
    expect(c.refreshes()).toBe(1);
  });

  it('caps the skew at half the lifetime of a short-lived token, instead of refreshing before every call', async () => {
    const c = clientAt(jwt(T0, 10));
    await Promise.all([c.client.auth.me(), c.client.auth.me()]);
    c.setClock(T0 + 4);
    await c.client.auth.me();
    expect(c.refreshes()).toBe(0);
    c.setClock(T0 + 6);
    await Promise.all([c.client.auth.me(), c.client.auth.me(), c.client.auth.me()]);
    expect(c.refreshes()).toBe(1);
    // The new token lives 15 minutes from now: no further refresh.
    await c.client.auth.me();
    expect(c.refreshes()).toBe(1);
  });

  it('uses the whole skew for a token without iat', async () => {
    const token = `${part({ alg: 'RS256' })}.${part({ exp: T0 + 20 })}.sig`;
    const c = clientAt(token);
    await c.client.auth.me();
    expect(c.refreshes()).toBe(1);
  });
});

describe('TesseraClient code exchange (the console signing in through the OpenID Provider)', () => {
  it('posts the code form-encoded with the credentials the refresh cookie needs, and keeps only the access token', async () => {
    const sent: { url: string; init: RequestInit | undefined }[] = [];
    const accessToken = jwt(T0, 900);
    const fetch: typeof globalThis.fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      sent.push({ url, init });
      const body = url.endsWith('/oauth/token')
        ? { access_token: accessToken, token_type: 'Bearer', expires_in: 900, id_token: 'id.token.sig' }
        : { id: 'u1', email: 'ada@example.com', roles: ['user'] };
      return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const onTokens = jest.fn();
    const client = new TesseraClient({
      authUrl: 'http://auth.test',
      ordersUrl: 'http://orders.test',
      profileUrl: 'http://profile.test',
      mode: 'browser',
      fetch,
      onTokens,
      now: () => T0 * 1000,
    });
    const answer = await client.auth.exchangeCode({
      code: 'c0de',
      codeVerifier: 'v'.repeat(43),
      redirectUri: 'http://localhost:3000/callback',
      clientId: 'tessera-web',
    });
    expect(answer.id_token).toBe('id.token.sig');
    expect(sent[0].url).toBe('http://auth.test/oauth/token');
    expect(sent[0].init).toMatchObject({ method: 'POST', credentials: 'include' });
    expect((sent[0].init?.headers as Record<string, string>)['content-type']).toBe('application/x-www-form-urlencoded');
    expect((sent[0].init?.headers as Record<string, string>).authorization).toBeUndefined();
    expect(Object.fromEntries(new URLSearchParams(sent[0].init?.body as string))).toEqual({
      grant_type: 'authorization_code',
      code: 'c0de',
      code_verifier: 'v'.repeat(43),
      redirect_uri: 'http://localhost:3000/callback',
      client_id: 'tessera-web',
    });
    expect(client.currentTokens).toEqual({ accessToken });
    expect(onTokens).toHaveBeenCalledWith({ accessToken });
    // The next call carries the new token, with no refresh first.
    await client.auth.me();
    expect(sent.map((s) => new URL(s.url).pathname)).toEqual(['/oauth/token', '/auth/me']);
    expect((sent[1].init?.headers as Record<string, string>).authorization).toBe(`Bearer ${accessToken}`);
  });
});
