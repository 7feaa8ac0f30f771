import type { TesseraClient } from '@tessera/client';

import type { ConsoleConfig } from './config';
import { ROUTES } from './router';

/** The console's OAuth client at auth: public (no secret), first-party. Auth's CONSOLE_CLIENT_ID. */
export const CONSOLE_CLIENT_ID = 'tessera-web';
/** The OpenID scopes and every scope of the services the console calls. */
export const CONSOLE_SCOPE = 'openid profile email orders:read orders:write profile:read profile:write';

/** What one sign-in keeps across the trip to auth's page and back: this tab only, never the tokens. */
interface PendingSignIn {
  state: string;
  nonce: string;
  verifier: string;
}

const PENDING_KEY = 'tessera.sign-in';

/** Why a return to /callback did not sign the user in, in words for them. */
export class SignInError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignInError';
  }
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomValue(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** RFC 7636 §4.2: S256, the base64url SHA-256 of the verifier. */
async function challengeOf(verifier: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

function redirectUri(): string {
  return `${window.location.origin}${ROUTES.callback}`;
}

/**
 * Sends the browser to auth's authorization endpoint (the code flow with PKCE, RFC 9700 §2.1.1):
 * auth shows its sign-in page and comes back to /callback with a code.
 */
export async function startSignIn(config: ConsoleConfig, loginHint?: string): Promise<void> {
  const pending: PendingSignIn = { state: randomValue(), nonce: randomValue(), verifier: randomValue() };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL('/oauth/authorize', config.authUrl);
  url.search = new URLSearchParams({
    client_id: CONSOLE_CLIENT_ID,
    redirect_uri: redirectUri(),
    response_type: 'code',
    scope: CONSOLE_SCOPE,
    code_challenge: await challengeOf(pending.verifier),
    code_challenge_method: 'S256',
    state: pending.state,
    nonce: pending.nonce,
    ...(loginHint ? { login_hint: loginHint } : {}),
  }).toString();
  window.location.assign(url.href);
}

function takePending(): PendingSignIn | undefined {
  const raw = sessionStorage.getItem(PENDING_KEY);
  // One use only: a second return with the same values is refused.
  sessionStorage.removeItem(PENDING_KEY);
  if (raw === null) {
    return undefined;
  }
  try {
    const value = JSON.parse(raw) as Partial<PendingSignIn>;
    return typeof value.state === 'string' && typeof value.nonce === 'string' && typeof value.verifier === 'string'
      ? (value as PendingSignIn)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The `nonce` claim of an ID token (its signature is auth's to check; this ties it to our request). */
function nonceOf(idToken: string): unknown {
  const payload = idToken.split('.')[1] ?? '';
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    return (JSON.parse(json) as { nonce?: unknown }).nonce;
  } catch {
    return undefined;
  }
}

/**
 * Completes a sign-in on /callback: the state must be the one this tab sent (RFC 6749 §10.12),
 * then the code is exchanged with the PKCE verifier. Answers the ID token, kept in memory for
 * signing out. The access token stays in the client's memory, the refresh token in auth's
 * HttpOnly cookie.
 */
export async function completeSignIn(client: TesseraClient, query: URLSearchParams): Promise<string | undefined> {
  const pending = takePending();
  const state = query.get('state');
  if (!pending || state === null || state !== pending.state) {
    throw new SignInError('This sign-in was not started here, or it was already used. Sign in again.');
  }
  const error = query.get('error');
  if (error !== null) {
    throw new SignInError(
      error === 'access_denied' ? 'Sign-in was cancelled.' : `Sign-in did not complete (${error}). Sign in again.`,
    );
  }
  const code = query.get('code');
  if (code === null) {
    throw new SignInError('Sign-in did not complete. Sign in again.');
  }
  const tokens = await client.auth.exchangeCode({
    code,
    codeVerifier: pending.verifier,
    redirectUri: redirectUri(),
    clientId: CONSOLE_CLIENT_ID,
  });
  if (tokens.id_token !== undefined && nonceOf(tokens.id_token) !== pending.nonce) {
    throw new SignInError('The sign-in answer was not for this request. Sign in again.');
  }
  return tokens.id_token;
}

/** Why auth sent the browser back to the console after a logout (the `state` of the logout request). */
export type SignedOutReason = 'signed-out' | 'signed-out-everywhere';

/**
 * RP-initiated logout: auth ends its own sign-in (so the next "Sign in" asks for the password
 * again) and every token issued in it, then sends the browser back to the console with `state`.
 */
export function endSessionUrl(config: ConsoleConfig, idToken: string | undefined, reason: SignedOutReason): string {
  const url = new URL('/oauth/logout', config.authUrl);
  url.search = new URLSearchParams({
    ...(idToken ? { id_token_hint: idToken } : { client_id: CONSOLE_CLIENT_ID }),
    post_logout_redirect_uri: `${window.location.origin}/`,
    state: reason,
  }).toString();
  return url.href;
}

/** The reason auth gave coming back from a logout, read once from the address and removed from it. */
export function takeSignedOutReason(): SignedOutReason | undefined {
  const state = new URLSearchParams(window.location.search).get('state');
  if (state !== 'signed-out' && state !== 'signed-out-everywhere') {
    return undefined;
  }
  window.history.replaceState(null, '', window.location.pathname);
  return state;
}
