// A web application that signs its users in with Tessera (OpenID Connect, authorization code
// flow with PKCE), as README.md's "Sign in another application" walks through. Plain node:http
// and openid-client (OpenID Certified); no framework, so that every step of the protocol shows.
//
//   ISSUER=http://localhost:3001 CLIENT_ID=... CLIENT_SECRET=... PORT=4000 npm start
//
// CLIENT_SECRET is left out for a public client. The redirect URI registered with Tessera must be
// http://localhost:PORT/callback (or APP_URL/callback), and the post-logout URI APP_URL/.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import * as client from 'openid-client';

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === '') {
    console.error(`${name} is required (see README.md, "Sign in another application")`);
    process.exit(2);
  }
  return value;
};

const issuer = new URL(env('ISSUER', 'http://localhost:3001'));
const clientId = env('CLIENT_ID');
const clientSecret = process.env.CLIENT_SECRET || undefined;
const port = Number(env('PORT', '4000'));
const appUrl = env('APP_URL', `http://localhost:${port}`).replace(/\/+$/, '');
const scope = env('SCOPE', 'openid profile email');
const redirectUri = `${appUrl}/callback`;

// http is for a Tessera on this machine only; anything else must be https.
const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(issuer.hostname);
const config = await client.discovery(
  issuer,
  clientId,
  clientSecret,
  clientSecret ? client.ClientSecretBasic(clientSecret) : client.None(),
  loopback ? { execute: [client.allowInsecureRequests] } : undefined,
);

/** Sign-ins in progress and signed-in users, by the random id in this app's own cookie. */
const pending = new Map();
const sessions = new Map();
const COOKIE = 'example_sid';

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const cookieOf = (req) => /(?:^|;\s*)example_sid=([A-Za-z0-9_-]+)/.exec(req.headers.cookie ?? '')?.[1];

function page(res, status, body) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': "default-src 'none'; form-action 'self'",
    'cache-control': 'no-store',
  });
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Example app</title></head><body>${body}</body></html>`,
  );
}

function redirect(res, location, cookie) {
  res.writeHead(303, { location, ...(cookie ? { 'set-cookie': cookie } : {}), 'cache-control': 'no-store' });
  res.end();
}

async function handle(req, res) {
  const url = new URL(req.url, appUrl);
  const sid = cookieOf(req);
  if (url.pathname === '/') {
    const session = sid && sessions.get(sid);
    return session
      ? page(
          res,
          200,
          `<h1>Signed in as ${escape(session.claims.email ?? session.claims.sub)}</h1><p><a href="/logout">Sign out</a></p>`,
        )
      : page(res, 200, '<h1>Example app</h1><p><a href="/login">Sign in with Tessera</a></p>');
  }
  if (url.pathname === '/login') {
    // PKCE (S256), state and nonce: kept server-side, bound to this browser by the cookie.
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const id = randomBytes(16).toString('base64url');
    pending.set(id, { verifier, state, nonce });
    const target = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return redirect(res, target.href, `${COOKIE}=${id}; HttpOnly; SameSite=Lax; Path=/`);
  }
  if (url.pathname === '/callback') {
    const flow = sid && pending.get(sid);
    if (!flow) {
      return page(res, 400, '<h1>No sign-in in progress</h1><p><a href="/login">Start again</a></p>');
    }
    pending.delete(sid);
    try {
      const tokens = await client.authorizationCodeGrant(config, url, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      const id = randomBytes(16).toString('base64url');
      sessions.set(id, { claims: tokens.claims(), idToken: tokens.id_token });
      return redirect(res, '/', `${COOKIE}=${id}; HttpOnly; SameSite=Lax; Path=/`);
    } catch (error) {
      // An error the provider sent back (access_denied, login_required) or a failed check.
      return page(
        res,
        400,
        `<h1>Sign-in failed</h1><p>${escape(error.error ?? error.message)}</p><p><a href="/">Back</a></p>`,
      );
    }
  }
  if (url.pathname === '/logout') {
    const session = sid && sessions.get(sid);
    sessions.delete(sid);
    if (!session) {
      return redirect(res, '/');
    }
    const target = client.buildEndSessionUrl(config, {
      id_token_hint: session.idToken,
      post_logout_redirect_uri: `${appUrl}/`,
    });
    return redirect(res, target.href, `${COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0`);
  }
  return page(res, 404, '<h1>Not found</h1>');
}

createServer((req, res) => {
  handle(req, res).catch(() => page(res, 500, '<h1>Something went wrong</h1>'));
}).listen(port, () => {
  console.log(`example app at ${appUrl} (issuer ${issuer.href})`);
});
