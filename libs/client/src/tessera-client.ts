import { tokenTimes } from './jwt-expiry';
import { SIGNED_OUT, TesseraApiError } from './tessera-api-error';
import type {
  AdminUser,
  ChangePasswordRequest,
  CodeExchangeRequest,
  CodeExchangeResponse,
  CreateOrderRequest,
  ListOrdersQuery,
  LoginRequest,
  MyProfile,
  OAuthRevokeRequest,
  OAuthTokenRequest,
  OAuthTokenResponse,
  Order,
  Page,
  PageQuery,
  Profile,
  PublicUser,
  RegisterRequest,
  RotatedKey,
  Session,
  TokenPairResponse,
  UpdateProfileRequest,
  UpdateUserRequest,
} from './types';

/** What the client holds for a signed-in user. */
export interface Tokens {
  accessToken: string;
  /** Memory mode only; in browser mode the refresh token lives in the HttpOnly cookie. */
  refreshToken?: string;
}

export interface TesseraClientOptions {
  /** Base URLs, e.g. `http://localhost:3001`. */
  authUrl: string;
  ordersUrl: string;
  profileUrl: string;
  /**
   * `browser`: the access token in memory only, the refresh token in auth's HttpOnly cookie
   * (requests to auth carry `credentials: 'include'`); nothing is written to any storage.
   * `memory` (default; Node, CLI): the caller's tokens, the refresh token sent in the body.
   */
  mode?: 'browser' | 'memory';
  /** Memory mode: tokens a CLI saved earlier. */
  tokens?: Tokens;
  /** Called with the new tokens after login and every refresh, and with null when they are dropped. */
  onTokens?: (tokens: Tokens | null) => void;
  /** Called when a refresh is refused and the client drops its tokens: show the sign-in page. */
  onSignedOut?: (error: TesseraApiError) => void;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Milliseconds since the epoch; defaults to Date.now. */
  now?: () => number;
  /**
   * Refresh before a request when the access token expires within this many seconds (default
   * 30), or within half its lifetime when that is shorter.
   */
  refreshSkewSeconds?: number;
}

type Service = 'auth' | 'orders' | 'profile';

interface RequestSpec {
  method: string;
  service: Service;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string | undefined>;
  /** Send the access token, refreshing it first when it is about to expire (default true). */
  bearer?: boolean;
  headers?: Record<string, string>;
}

/**
 * A typed client for the Tessera HTTP API that keeps its user signed in: it refreshes the
 * access token shortly before it expires and after a 401 `invalid_token`, with one refresh in
 * flight at a time, and retries the request once.
 */
export class TesseraClient {
  readonly mode: 'browser' | 'memory';
  private tokens: Tokens | null;
  private refreshing: Promise<void> | null = null;
  private readonly fetchFn: typeof fetch;
  private readonly now: () => number;
  private readonly skewMs: number;
  private readonly urls: Record<Service, string>;

  constructor(private readonly options: TesseraClientOptions) {
    this.mode = options.mode ?? 'memory';
    this.tokens = this.mode === 'memory' ? (options.tokens ?? null) : null;
    // Bound so that a browser's fetch is not called with the client as `this`.
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.now = options.now ?? Date.now;
    this.skewMs = (options.refreshSkewSeconds ?? 30) * 1000;
    this.urls = { auth: options.authUrl, orders: options.ordersUrl, profile: options.profileUrl };
  }

  /** The tokens held now (memory mode: to persist them; browser mode: the access token only). */
  get currentTokens(): Tokens | null {
    return this.tokens ? { ...this.tokens } : null;
  }

  get signedIn(): boolean {
    return this.tokens !== null;
  }

  readonly auth = {
    register: (body: RegisterRequest) =>
      this.send<PublicUser>({ method: 'POST', service: 'auth', path: '/auth/register', json: body, bearer: false }),
    /** Signs in: the client keeps the tokens (browser mode: the access token; the cookie holds the other). */
    login: async (body: LoginRequest): Promise<TokenPairResponse> => {
      const pair = await this.send<TokenPairResponse>({
        method: 'POST',
        service: 'auth',
        path: '/auth/login',
        json: body,
        bearer: false,
      });
      this.setTokens(pair);
      return pair;
    },
    /**
     * Signs in with an authorization code (the code flow with PKCE): the client keeps the access
     * token; in browser mode auth sets the refresh cookie for the console's client, so the
     * refresh token never reaches a script. Answers the tokens, the ID token among them.
     */
    exchangeCode: async (request: CodeExchangeRequest): Promise<CodeExchangeResponse> => {
      const answer = await this.send<CodeExchangeResponse>({
        method: 'POST',
        service: 'auth',
        path: '/oauth/token',
        form: {
          grant_type: 'authorization_code',
          code: request.code,
          code_verifier: request.codeVerifier,
          redirect_uri: request.redirectUri,
          client_id: request.clientId,
        },
        bearer: false,
      });
      this.setTokens(answer);
      return answer;
    },
    /** Refreshes now (shares a refresh already in flight). */
    refresh: () => this.refreshOnce(),
    /** Ends this session on the server, then drops the tokens (even if the server call failed). */
    logout: () => this.signOutCall('/auth/logout'),
    /** Ends every session of the user, then drops the tokens. */
    logoutAll: () => this.signOutCall('/auth/logout-all'),
    /** The user's other sessions are revoked; this one stays. */
    changePassword: (body: ChangePasswordRequest) =>
      this.send<void>({ method: 'POST', service: 'auth', path: '/auth/password', json: body }),
    me: () => this.send<PublicUser>({ method: 'GET', service: 'auth', path: '/auth/me' }),
  };

  readonly sessions = {
    list: () => this.send<Session[]>({ method: 'GET', service: 'auth', path: '/auth/sessions' }),
    end: (id: string) =>
      this.send<void>({ method: 'DELETE', service: 'auth', path: `/auth/sessions/${encodeURIComponent(id)}` }),
  };

  /** Low-level OAuth 2.0 endpoints: they never touch the client's own tokens. */
  readonly oauth = {
    token: (params: OAuthTokenRequest) =>
      this.send<OAuthTokenResponse>({
        method: 'POST',
        service: 'auth',
        path: '/oauth/token',
        form: { ...params },
        bearer: false,
      }),
    /** RFC 7009: with `client_id`/`client_secret` as that client, else with the user's access token. */
    revoke: (params: OAuthRevokeRequest) =>
      this.send<void>({
        method: 'POST',
        service: 'auth',
        path: '/oauth/revoke',
        form: { ...params },
        bearer: params.client_secret === undefined && this.tokens !== null,
      }),
  };

  readonly admin = {
    users: {
      list: (query: PageQuery = {}) =>
        this.send<Page<AdminUser>>({ method: 'GET', service: 'auth', path: '/admin/users', query: { ...query } }),
      update: (id: string, body: UpdateUserRequest) =>
        this.send<AdminUser>({
          method: 'PATCH',
          service: 'auth',
          path: `/admin/users/${encodeURIComponent(id)}`,
          json: body,
        }),
    },
    keys: {
      rotate: (body: { alg?: 'RS256' | 'ES256' } = {}) =>
        this.send<RotatedKey>({ method: 'POST', service: 'auth', path: '/admin/keys/rotate', json: body }),
    },
    profiles: {
      get: (userId: string) =>
        this.send<Profile>({ method: 'GET', service: 'profile', path: `/profiles/${encodeURIComponent(userId)}` }),
    },
  };

  readonly orders = {
    create: (body: CreateOrderRequest) =>
      this.send<Order>({ method: 'POST', service: 'orders', path: '/orders', json: body }),
    list: (query: ListOrdersQuery = {}) =>
      this.send<Page<Order>>({ method: 'GET', service: 'orders', path: '/orders', query: { ...query } }),
    /** Every page, following `nextCursor`. */
    listAll: (query: Omit<ListOrdersQuery, 'cursor'> = {}) => this.allOrders(query),
    get: (id: string) =>
      this.send<Order>({ method: 'GET', service: 'orders', path: `/orders/${encodeURIComponent(id)}` }),
    cancel: (id: string) =>
      this.send<Order>({ method: 'POST', service: 'orders', path: `/orders/${encodeURIComponent(id)}/cancel` }),
  };

  readonly profile = {
    me: () => this.send<MyProfile>({ method: 'GET', service: 'profile', path: '/profile/me' }),
    update: (body: UpdateProfileRequest) =>
      this.send<Profile>({ method: 'PATCH', service: 'profile', path: '/profile/me', json: body }),
  };

  /** Drops the tokens locally, without calling the server. */
  clear(): void {
    if (this.tokens !== null) {
      this.tokens = null;
      this.options.onTokens?.(null);
    }
  }

  private async *allOrders(query: Omit<ListOrdersQuery, 'cursor'>): AsyncGenerator<Order, void, undefined> {
    let cursor: string | undefined;
    do {
      const page = await this.orders.list({ ...query, cursor });
      yield* page.items;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  private async signOutCall(path: string): Promise<void> {
    try {
      await this.send<void>({ method: 'POST', service: 'auth', path });
    } finally {
      this.clear();
    }
  }

  private async send<T>(spec: RequestSpec): Promise<T> {
    const bearer = spec.bearer ?? true;
    if (bearer) {
      await this.ensureFreshToken();
    }
    const sentWith = this.tokens?.accessToken;
    const res = await this.fetchOnce(spec, bearer ? sentWith : undefined);
    if (res.ok) {
      return parseBody<T>(res);
    }
    const error = await TesseraApiError.fromResponse(res, this.now);
    if (!(bearer && res.status === 401 && error.authError === 'invalid_token')) {
      throw error;
    }
    if (this.tokens === null) {
      // Another request's refresh was refused while this one was on the wire.
      throw new TesseraApiError(401, SIGNED_OUT, 'The session has ended; sign in again.', { cause: error });
    }
    // Another request may have refreshed while this one was on the wire: then only retry.
    if (this.tokens.accessToken === sentWith) {
      await this.refreshOnce();
    }
    const retried = await this.fetchOnce(spec, this.tokens?.accessToken);
    if (retried.ok) {
      return parseBody<T>(retried);
    }
    throw await TesseraApiError.fromResponse(retried, this.now);
  }

  private async ensureFreshToken(): Promise<void> {
    if (this.tokens === null) {
      if (this.mode === 'browser') {
        // A reloaded page: the cookie may still hold a session.
        await this.refreshOnce();
        return;
      }
      throw new TesseraApiError(401, SIGNED_OUT, 'Not signed in.');
    }
    const { exp, iat } = tokenTimes(this.tokens.accessToken);
    if (exp === undefined) {
      return;
    }
    // At most half the token's lifetime: a token shorter-lived than twice the skew would
    // otherwise be refreshed before every request.
    const skew = iat !== undefined && exp > iat ? Math.min(this.skewMs, (exp - iat) / 2) : this.skewMs;
    if (exp - this.now() <= skew) {
      await this.refreshOnce();
    }
  }

  /** Exactly one refresh in flight: every caller awaits the same promise. */
  private refreshOnce(): Promise<void> {
    this.refreshing ??= this.refreshNow().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async refreshNow(): Promise<void> {
    const refreshToken = this.tokens?.refreshToken;
    if (this.mode === 'memory' && refreshToken === undefined) {
      throw this.signOut(new TesseraApiError(401, SIGNED_OUT, 'No refresh token is held.'));
    }
    // Browser mode: an empty JSON body, so that auth takes the cookie (it requires a JSON content type).
    const res = await this.fetchOnce(
      {
        method: 'POST',
        service: 'auth',
        path: '/auth/refresh',
        json: this.mode === 'memory' ? { refresh_token: refreshToken } : {},
      },
      undefined,
    );
    if (res.ok) {
      this.setTokens(await parseBody<TokenPairResponse>(res));
      return;
    }
    const error = await TesseraApiError.fromResponse(res, this.now);
    // Only a refusal ends the session; a 429 or 5xx leaves the tokens for a later try.
    if (res.status === 400 || res.status === 401 || res.status === 403) {
      throw this.signOut(error);
    }
    throw error;
  }

  private signOut(cause: TesseraApiError): TesseraApiError {
    const error = new TesseraApiError(401, SIGNED_OUT, 'The session has ended; sign in again.', {
      cause,
      authError: cause.authError,
    });
    const wasSignedIn = this.tokens !== null;
    this.clear();
    if (wasSignedIn) {
      this.options.onSignedOut?.(error);
    }
    return error;
  }

  private setTokens(pair: { access_token: string; refresh_token?: string }): void {
    // Browser mode keeps no copy of the refresh token anywhere a script could read it later.
    this.tokens =
      this.mode === 'memory' && pair.refresh_token !== undefined
        ? { accessToken: pair.access_token, refreshToken: pair.refresh_token }
        : { accessToken: pair.access_token };
    this.options.onTokens?.({ ...this.tokens });
  }

  private fetchOnce(spec: RequestSpec, accessToken: string | undefined): Promise<Response> {
    const url = new URL(spec.path, this.urls[spec.service]);
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) {
        url.searchParams.set(key, String(value));
      }
    }
    const headers: Record<string, string> = { accept: 'application/json', ...spec.headers };
    let body: string | undefined;
    if (spec.form !== undefined) {
      const form = new URLSearchParams();
      for (const [key, value] of Object.entries(spec.form)) {
        if (value !== undefined) {
          form.set(key, value);
        }
      }
      body = form.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (spec.json !== undefined) {
      body = JSON.stringify(spec.json);
      headers['content-type'] = 'application/json';
    }
    if (accessToken !== undefined) {
      headers.authorization = `Bearer ${accessToken}`;
    }
    return this.fetchFn(url, {
      method: spec.method,
      headers,
      body,
      // The refresh cookie is Path=/auth on auth's origin; nothing else needs credentials.
      credentials: this.mode === 'browser' && spec.service === 'auth' ? 'include' : 'omit',
    });
  }
}

async function parseBody<T>(res: Response): Promise<T> {
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}
