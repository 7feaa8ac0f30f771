import type { FastifyCorsOptions } from '@fastify/cors';

/** Request headers a browser client sends beyond the CORS-safelisted ones. */
export const CORS_ALLOWED_HEADERS = ['authorization', 'content-type', 'x-request-id'];
/**
 * Response headers a browser script may read beyond the safelisted ones: the client needs
 * `WWW-Authenticate` to tell an expired token (RFC 6750 `invalid_token`: refresh and retry)
 * from other 401s, `Retry-After` to say how long a lockout lasts, and the request id to quote.
 */
export const CORS_EXPOSED_HEADERS = ['retry-after', 'www-authenticate', 'x-request-id'];
export const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'];
/** How long a browser may reuse a preflight answer (Chromium caps it at 2 hours). */
export const CORS_MAX_AGE_SECONDS = 600;

/**
 * @fastify/cors options for exactly these origins, with credentials. An origin is echoed only
 * when listed; any other request, preflight included, gets no CORS header at all (not even
 * `Access-Control-Allow-Credentials`, which @fastify/cors would add for an unlisted origin of
 * a static list), so its preflight falls through to a 404.
 */
export function corsOptions(origins: readonly string[]): FastifyCorsOptions {
  const allowed = new Set(origins);
  return {
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin) ? origin : false),
    credentials: true,
    methods: CORS_METHODS,
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: CORS_MAX_AGE_SECONDS,
  };
}
