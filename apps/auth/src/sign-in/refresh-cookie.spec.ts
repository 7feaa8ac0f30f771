import type { FastifyReply, FastifyRequest } from 'fastify';

import { loadAuthConfig } from '../config/auth.config';
import type { IssuedSession } from '../sessions/refresh-tokens.service';
import { RefreshCookie } from './refresh-cookie';
import { InvalidRefreshRequestError, JsonRequiredError } from './sign-in.errors';

const token = 'A'.repeat(43);
const other = 'B'.repeat(43);

/** `contentType` null: the request has no Content-Type header. */
function request(cookie?: string, contentType: string | null = 'application/json'): FastifyRequest {
  const cookies: Record<string, string> = {};
  for (const pair of cookie?.split(';') ?? []) {
    const [name, value] = pair.trim().split('=');
    cookies[name] ??= value;
  }
  const headers = contentType === null ? { cookie } : { cookie, 'content-type': contentType };
  return { headers, cookies } as unknown as FastifyRequest;
}

function replyRecorder() {
  const calls: { method: string; name: string; value?: string; options: Record<string, unknown> }[] = [];
  const reply = {
    setCookie: (name: string, value: string, options: Record<string, unknown>) => {
      calls.push({ method: 'set', name, value, options });
      return reply;
    },
    clearCookie: (name: string, options: Record<string, unknown>) => {
      calls.push({ method: 'clear', name, options });
      return reply;
    },
  };
  return { reply: reply as unknown as FastifyReply, calls };
}

describe('RefreshCookie', () => {
  const cookie = new RefreshCookie(loadAuthConfig({}));

  it('takes the token from the body', () => {
    expect(cookie.tokenOf(request(), token)).toBe(token);
  });

  it('takes the token from the cookie of a JSON request', () => {
    expect(cookie.tokenOf(request(`tessera_refresh=${token}`), undefined)).toBe(token);
    expect(cookie.tokenOf(request(`a=1; tessera_refresh=${token}`, 'application/json; charset=utf-8'), undefined)).toBe(
      token,
    );
  });

  it('refuses a cookie refresh that is not a JSON request, as a cross-site form would send it', () => {
    for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data', null]) {
      expect(() => cookie.tokenOf(request(`tessera_refresh=${token}`, type), undefined)).toThrow(JsonRequiredError);
    }
  });

  it('accepts body and cookie when they agree, refuses them when they differ', () => {
    expect(cookie.tokenOf(request(`tessera_refresh=${token}`), token)).toBe(token);
    expect(() => cookie.tokenOf(request(`tessera_refresh=${token}`), other)).toThrow(InvalidRefreshRequestError);
  });

  it('refuses a request with two refresh cookies', () => {
    expect(() => cookie.tokenOf(request(`tessera_refresh=${token}; tessera_refresh=${other}`), undefined)).toThrow(
      InvalidRefreshRequestError,
    );
  });

  it('refuses a request with no token at all', () => {
    expect(() => cookie.tokenOf(request('other=1'), undefined)).toThrow(InvalidRefreshRequestError);
    expect(() => cookie.tokenOf(request('tessera_refresh='), undefined)).toThrow(InvalidRefreshRequestError);
  });

  it('sets an HttpOnly, SameSite=Strict cookie on /auth that lasts as long as the refresh token', () => {
    const { reply, calls } = replyRecorder();
    const now = Date.UTC(2030, 0, 1);
    const session = {
      familyId: 'f',
      refreshToken: token,
      refreshExpiresAt: new Date(now + 7 * 86_400_000),
      accessToken: { token: 'jwt', jti: 'j', expiresIn: 900, expiresAt: 0 },
    } satisfies IssuedSession;
    expect(cookie.deliver(reply, session, now)).toEqual({
      access_token: 'jwt',
      token_type: 'Bearer',
      expires_in: 900,
      refresh_token: token,
    });
    expect(calls).toEqual([
      {
        method: 'set',
        name: 'tessera_refresh',
        value: token,
        options: { httpOnly: true, sameSite: 'strict', path: '/auth', secure: false, maxAge: 7 * 86_400 },
      },
    ]);
  });

  it('marks the cookie Secure in production, and clears it with the same attributes', () => {
    const production = new RefreshCookie(
      loadAuthConfig({
        NODE_ENV: 'production',
        AUTH_DATABASE_URL: 'postgres://auth@db/auth',
        AUTH_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
        SERVICE_CLIENT_SECRET_ORDERS: 'o'.repeat(43),
        SERVICE_CLIENT_SECRET_PROFILE: 'p'.repeat(43),
        NATS_USER: 'auth',
        NATS_PASSWORD: 'n'.repeat(32),
        SMTP_URL: 'smtp://mail.example.com:587',
        MAIL_FROM: 'Tessera <no-reply@example.com>',
      }),
    );
    const { reply, calls } = replyRecorder();
    production.clear(reply);
    expect(calls).toEqual([
      {
        method: 'clear',
        name: 'tessera_refresh',
        options: { httpOnly: true, sameSite: 'strict', path: '/auth', secure: true },
      },
    ]);
  });
});
