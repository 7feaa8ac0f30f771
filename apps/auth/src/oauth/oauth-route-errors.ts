import { Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { describeError } from '@tessera/platform';

import { NO_STORE_HEADERS, toOAuthErrorResponse } from './oauth-error.filter';

/** Path prefix of the routes whose errors are RFC 6749 JSON. */
export const OAUTH_PATH_PREFIX = '/oauth/';

/**
 * Errors Fastify raises before a route's handler runs (an unparsable body, an unsupported
 * media type, a body over the limit) never reach a controller-scoped filter: they go to the
 * application-wide error handler and would come back as problem+json. This gives the OAuth
 * routes their own Fastify error handler with the same mapping as OAuthErrorFilter. It is set
 * on each route as it is registered, so the provider must exist before the router runs, which
 * every provider does (Nest instantiates them before `init`).
 */
@Injectable()
export class OAuthRouteErrors {
  private readonly logger = new Logger('OAuth');

  constructor(adapterHost: HttpAdapterHost) {
    // No HTTP adapter in a standalone application context (e.g. an operator CLI): nothing to do.
    const fastify = adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    fastify?.addHook('onRoute', (route) => {
      if (route.url.startsWith(OAUTH_PATH_PREFIX)) {
        route.errorHandler = (error, request, reply) => this.handle(error, request, reply);
      }
    });
  }

  private handle(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    const { status, body, headers, unexpected } = toOAuthErrorResponse(error);
    if (unexpected) {
      this.logger.error({ msg: 'unhandled error', requestId: request.id, error: describeError(error) });
    }
    void reply
      .status(status)
      .headers({ ...headers, ...NO_STORE_HEADERS })
      .header('content-type', 'application/json; charset=utf-8')
      .send(body);
  }
}
