import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { AuthConfig } from '../config/auth.config';
import { CrossSiteRequestError } from './http.errors';

/**
 * For the routes that read or clear the refresh cookie (`/auth/refresh`, `/auth/logout`,
 * `/auth/logout-all`): a request from another origin than auth's own or one of CORS_ORIGINS (by
 * `Sec-Fetch-Site`, else `Origin`) is 403 `cross_site_request` before anything is read or
 * rotated. SameSite=Strict already keeps the cookie off cross-site requests in current browsers;
 * this holds where it does not (older browsers, a sibling subdomain). A listed origin is trusted
 * even from another site (a console on its own domain); a request with neither header comes
 * from a non-browser client and passes.
 */
@Injectable()
export class SameOriginGuard implements CanActivate {
  private readonly allowed: ReadonlySet<string>;

  constructor(config: AuthConfig) {
    this.allowed = new Set(config.corsOrigins);
  }

  canActivate(context: ExecutionContext): boolean {
    const { headers } = context.switchToHttp().getRequest<FastifyRequest>();
    if (!isSameOriginRequest(headers.origin, headers['sec-fetch-site'], headers.host, this.allowed)) {
      throw new CrossSiteRequestError();
    }
    return true;
  }
}

/**
 * The check of Go's `net/http.CrossOriginProtection`, limited to CORS_ORIGINS as trusted: a
 * listed Origin passes; otherwise the browser's `Sec-Fetch-Site` decides when present (only
 * `same-origin` and `none`, a user's own navigation, pass); without it, an Origin must name the
 * host the request was sent to, and no Origin at all is a non-browser client.
 */
export function isSameOriginRequest(
  origin: string | undefined,
  fetchSite: string | string[] | undefined,
  host: string | undefined,
  allowed: ReadonlySet<string>,
): boolean {
  if (origin !== undefined && allowed.has(origin)) {
    return true;
  }
  if (fetchSite !== undefined) {
    return fetchSite === 'same-origin' || fetchSite === 'none';
  }
  return origin === undefined || originIsHost(origin, host);
}

/** Whether `origin` names the authority the request was sent to (a default port may be left out). */
function originIsHost(origin: string, host: string | undefined): boolean {
  if (host === undefined) {
    return false;
  }
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    // "null" (a sandboxed frame, a redirect across origins) and anything else that is no URL.
    return false;
  }
  const authority = host.toLowerCase();
  if (url.host === '') {
    return false;
  }
  if (url.host === authority) {
    return true;
  }
  const defaultPort = DEFAULT_PORTS[url.protocol];
  return url.port === '' && defaultPort !== undefined && `${url.hostname}:${defaultPort}` === authority;
}

const DEFAULT_PORTS: Record<string, string | undefined> = { 'http:': '80', 'https:': '443' };
