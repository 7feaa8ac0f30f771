import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import * as client from 'openid-client';

/** What a relying party needs of its registration at auth. */
export interface RelyingPartyClient {
  client_id: string;
  /** Absent for a public client (token_endpoint_auth_method none). */
  client_secret?: string;
}

interface Flow {
  verifier: string;
  state: string;
  nonce: string;
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res: ServerResponse, status: number, title: string, body: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'",
  });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`);
}

function cookies(req: IncomingMessage): Map<string, string> {
  const jar = new Map<string, string>();
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0) {
      jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }
  return jar;
}

/**
 * A relying party as a web application would be one: a server of its own on 127.0.0.1, with
 * openid-client (server side) for the authorization code flow with PKCE S256, state and nonce.
 * The browser reaches it as http://localhost:<port>, a site other than auth's 127.0.0.1, so that
 * every redirect between them is cross-site, as between real applications and their provider.
 *
 * - `/login` (`?prompt=login` passed on) keeps the verifier, state and nonce under a random id
 *   in a cookie of its own and redirects to auth;
 * - `/callback` redeems the code and shows the ID token's email, or the error auth sent back;
 * - `/logout` redirects to auth's end-session endpoint with the ID token and `/signed-out`.
 *
 * Cookie names carry the relying party's name: browsers keep cookies per host, not per port.
 */
export class RelyingParty {
  private readonly server: Server;
  private config?: client.Configuration;
  private readonly flows = new Map<string, Flow>();
  /** Signed-in browsers: session id to ID token. */
  private readonly sessions = new Map<string, string>();
  private port = 0;

  constructor(readonly name: string) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        page(res, 500, 'Relying party error', `<p role="alert">${escapeHtml(String(error))}</p>`);
      });
    });
  }

  /** Listens on a free loopback port; `origin` is then known (to register the client with). */
  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  get origin(): string {
    return `http://localhost:${this.port}`;
  }

  get redirectUri(): string {
    return `${this.origin}/callback`;
  }

  get postLogoutRedirectUri(): string {
    return `${this.origin}/signed-out`;
  }

  /** Discovers auth at `issuer` and uses the registration from now on. */
  async use(issuer: string, registration: RelyingPartyClient): Promise<void> {
    const secret = registration.client_secret;
    this.config = await client.discovery(
      new URL(issuer),
      registration.client_id,
      secret,
      secret === undefined ? client.None() : client.ClientSecretBasic(secret),
      { execute: [client.allowInsecureRequests] },
    );
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private get flowCookie(): string {
    return `${this.name}_flow`;
  }

  private get sessionCookie(): string {
    return `${this.name}_session`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const config = this.config;
    if (!config) {
      page(res, 503, 'Not ready', '');
      return;
    }
    switch (url.pathname) {
      case '/login':
        return this.login(config, url, res);
      case '/callback':
        return this.callback(config, url, req, res);
      case '/logout':
        return this.logout(config, req, res);
      case '/signed-out':
        page(res, 200, `Signed out of ${this.name}`, '');
        return;
      default:
        page(res, 404, 'Not found', '');
    }
  }

  private async login(config: client.Configuration, url: URL, res: ServerResponse): Promise<void> {
    const flow: Flow = {
      verifier: client.randomPKCECodeVerifier(),
      state: client.randomState(),
      nonce: client.randomNonce(),
    };
    const id = randomBytes(16).toString('base64url');
    this.flows.set(id, flow);
    const prompt = url.searchParams.get('prompt');
    const authorization = client.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri,
      scope: 'openid email profile',
      code_challenge: await client.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: 'S256',
      state: flow.state,
      nonce: flow.nonce,
      ...(prompt === 'login' ? { prompt } : {}),
    });
    res.writeHead(302, {
      location: authorization.href,
      // Lax: sent back on the top-level redirect from auth to /callback.
      'set-cookie': `${this.flowCookie}=${id}; Path=/; HttpOnly; SameSite=Lax`,
      'cache-control': 'no-store',
    });
    res.end();
  }

  private async callback(
    config: client.Configuration,
    url: URL,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const id = cookies(req).get(this.flowCookie);
    const flow = id === undefined ? undefined : this.flows.get(id);
    if (!id || !flow) {
      page(res, 400, 'Sign-in failed', '<p role="alert">no sign-in was started in this browser</p>');
      return;
    }
    this.flows.delete(id);
    let tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;
    try {
      tokens = await client.authorizationCodeGrant(config, url, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      const code =
        error instanceof client.AuthorizationResponseError || error instanceof client.ResponseBodyError
          ? error.error
          : String(error);
      page(res, 401, 'Sign-in failed', `<p role="alert">${escapeHtml(code)}</p>`);
      return;
    }
    const session = randomBytes(16).toString('base64url');
    this.sessions.set(session, tokens.id_token!);
    const email = tokens.claims()?.email;
    res.setHeader('set-cookie', `${this.sessionCookie}=${session}; Path=/; HttpOnly; SameSite=Lax`);
    page(
      res,
      200,
      `Signed in to ${this.name}`,
      `<p>Signed in as <output>${escapeHtml(typeof email === 'string' ? email : '')}</output></p>`,
    );
  }

  private logout(config: client.Configuration, req: IncomingMessage, res: ServerResponse): void {
    const session = cookies(req).get(this.sessionCookie);
    const idToken = session === undefined ? undefined : this.sessions.get(session);
    if (!session || !idToken) {
      page(res, 400, 'Not signed in', '');
      return;
    }
    this.sessions.delete(session);
    const end = client.buildEndSessionUrl(config, {
      id_token_hint: idToken,
      post_logout_redirect_uri: this.postLogoutRedirectUri,
    });
    res.writeHead(302, {
      location: end.href,
      'set-cookie': `${this.sessionCookie}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`,
      'cache-control': 'no-store',
    });
    res.end();
  }
}
