import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LogController } from 'fastify';

import { REQUEST_ID_HEADER, runInRequestContext } from './request-context';

/** The label of the request id on every line Fastify writes for a request. */
export const REQUEST_ID_LOG_LABEL = 'requestId';

/**
 * One line per HTTP request, when it completes: method, route pattern, path, status and
 * duration, with the request id. Never the query string, headers or body, where tokens and
 * passwords travel. Fastify's "incoming request" and "route not found" lines are dropped: the
 * completed line says all of it.
 */
export class RequestLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: REQUEST_ID_LOG_LABEL });
  }

  override incomingRequest(): void {
    // The completed line covers it.
  }

  override routeNotFound(): void {
    // The completed line covers it (status 404, route "unmatched").
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = {
      method: request.method,
      route: request.routeOptions.url,
      path: request.url.split('?', 1)[0],
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
    };
    if (error) {
      reply.log.error({ ...line, err: error }, 'request errored');
    } else {
      reply.log.info(line, 'request completed');
    }
  }
}

/**
 * Gives every HTTP request its id back as the `x-request-id` response header, and runs its
 * handler (guards, pipes, the controller, the error filter) in its request context, so Nest's
 * log lines and the NATS requests it sends carry the id. preHandler, not onRequest: Fastify
 * reads the body in between, outside any context entered earlier.
 */
export function useRequestContext(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  fastify.addHook('preHandler', (request, _reply, done) => {
    runInRequestContext({ requestId: request.id }, done);
  });
}
