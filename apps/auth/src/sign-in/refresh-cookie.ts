import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import '@fastify/cookie';

import { AuthConfig } from '../config/auth.config';
import { isJson } from '../http/content-type';
import type { IssuedSession } from '../sessions/refresh-tokens.service';
import { InvalidRefreshRequestError, JsonRequiredError } from './sign-in.errors';

export const REFRESH_COOKIE = 'tessera_refresh';
/** Sent only to the auth routes that need it, never to other paths of the same origin. */
export const REFRESH_COOKIE_PATH = '/auth';

/**
 * The attributes of the refresh cookie, wherever it is set (a password sign-in, a refresh, the
 * console's code exchange at the OpenID Provider's token endpoint).
 */
export function refreshCookieAttributes(secure: boolean) {
  return {
    httpOnly: true,
    sameSite: 'strict' as const,
    path: REFRESH_COOKIE_PATH,
    secure,
  };
}

/** Seconds until the refresh token expires: the cookie lives exactly as long. */
export function refreshCookieMaxAge(refreshExpiresAt: Date, now = Date.now()): number {
  return Math.max(0, Math.round((refreshExpiresAt.getTime() - now) / 1000));
}

/** RFC 6749 §5.1 shape: a new access token and the refresh token rotated with it. */
export interface TokenPairResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
}

/**
 * The browser's copy of the refresh token: HttpOnly (no script can read it), SameSite=Strict
 * (no cross-site request carries it), Path=/auth, and Secure in production (RFC 6265bis §4.1;
 * ASVS 5.0 §3.3). Mobile and CLI clients use the `refresh_token` in the body instead.
 */
@Injectable()
export class RefreshCookie {
  constructor(private readonly config: AuthConfig) {}

  /** Sets the cookie to the session's refresh token and returns the response body. */
  deliver(reply: FastifyReply, session: IssuedSession, now = Date.now()): TokenPairResponse {
    void reply.setCookie(REFRESH_COOKIE, session.refreshToken, {
      ...this.attributes(),
      maxAge: refreshCookieMaxAge(session.refreshExpiresAt, now),
    });
    return {
      access_token: session.accessToken.token,
      token_type: 'Bearer',
      expires_in: session.accessToken.expiresIn,
      refresh_token: session.refreshToken,
    };
  }

  clear(reply: FastifyReply): void {
    void reply.clearCookie(REFRESH_COOKIE, this.attributes());
  }

  /**
   * The refresh token a request presents: `refresh_token` in the JSON body, or the cookie. Both
   * present and different is ambiguous and refused rather than guessed at.
   */
  tokenOf(request: FastifyRequest, bodyToken: string | undefined): string {
    if (countCookies(request.headers.cookie, REFRESH_COOKIE) > 1) {
      // A second cookie of the same name can only have been planted (e.g. from a sibling
      // subdomain); which one the browser meant cannot be told.
      throw new InvalidRefreshRequestError(`Send the ${REFRESH_COOKIE} cookie at most once.`);
    }
    const cookie = request.cookies[REFRESH_COOKIE] || undefined;
    if (bodyToken !== undefined && cookie !== undefined && bodyToken !== cookie) {
      throw new InvalidRefreshRequestError(`The refresh_token in the body and the ${REFRESH_COOKIE} cookie differ.`);
    }
    if (bodyToken !== undefined) {
      return bodyToken;
    }
    if (cookie === undefined) {
      throw new InvalidRefreshRequestError(
        `A refresh token is required: refresh_token in a JSON body, or the ${REFRESH_COOKIE} cookie.`,
      );
    }
    if (!isJson(request.headers['content-type'])) {
      throw new JsonRequiredError();
    }
    return cookie;
  }

  private attributes() {
    return refreshCookieAttributes(this.config.production);
  }
}

function countCookies(header: string | undefined, name: string): number {
  if (!header) {
    return 0;
  }
  return header.split(';').filter((pair) => pair.split('=')[0]?.trim() === name).length;
}
