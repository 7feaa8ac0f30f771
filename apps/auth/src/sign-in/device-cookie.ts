import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import '@fastify/cookie';

import { AuthConfig } from '../config/auth.config';

/**
 * The device cookie (README.md, "Sign-in limits"): set by every successful `POST /auth/login`,
 * read by the next one. HttpOnly, SameSite=Strict, Path=/auth like the refresh cookie, Secure in
 * production. It grants nothing but a sign-in counter of its own: it is no session and no
 * credential. Clients that are not browsers keep it as any cookie and send it back to
 * `POST /auth/login`.
 */
export const DEVICE_COOKIE = 'tessera_device';
export const DEVICE_COOKIE_PATH = '/auth';

@Injectable()
export class DeviceCookie {
  constructor(private readonly config: AuthConfig) {}

  /** The token the request presents, unverified; undefined when there is none. */
  tokenOf(request: FastifyRequest): string | undefined {
    const value = request.cookies[DEVICE_COOKIE];
    return typeof value === 'string' && value !== '' ? value : undefined;
  }

  set(reply: FastifyReply, token: string, maxAgeSeconds: number): void {
    void reply.setCookie(DEVICE_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      path: DEVICE_COOKIE_PATH,
      secure: this.config.production,
      maxAge: maxAgeSeconds,
    });
  }
}
