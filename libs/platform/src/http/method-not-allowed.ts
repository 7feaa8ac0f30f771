import type { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';

import { TesseraError } from '../errors/tessera-error';

/**
 * RFC 9110 §15.5.6: a request whose path exists with other methods is a 405 with an `Allow`
 * header naming them, not a 404. The methods any route uses are collected as routes are
 * registered; only a request that matched no route (Nest's not-found handler) looks the path up
 * once per such method in Fastify's router, so a request that finds its route pays nothing.
 * Wildcard routes (a CORS preflight `OPTIONS *`, the files under /docs) match every path and say
 * nothing about this one: they are left out. Call before the application initialises.
 */
export function answerMethodNotAllowed(adapter: FastifyAdapter, fastify: FastifyInstance): void {
  const methods = new Set<HTTPMethods>();
  fastify.addHook('onRoute', (route) => {
    if (!route.url.includes('*')) {
      for (const method of [route.method].flat()) {
        methods.add(method);
      }
      // Fastify answers HEAD for every GET route (exposeHeadRoutes).
      if (methods.has('GET')) {
        methods.add('HEAD');
      }
    }
  });
  const setNotFoundHandler = adapter.setNotFoundHandler.bind(adapter);
  adapter.setNotFoundHandler = (handler: (request: FastifyRequest, reply: FastifyReply) => unknown) =>
    setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
      // OPTIONS is CORS's (libs/platform/src/http/cors.ts): a preflight it does not answer stays a 404.
      const allow = request.method === 'OPTIONS' ? [] : allowedMethods(fastify, methods, request.url);
      if (allow.length === 0) {
        return handler(request, reply);
      }
      // Through the application's error handler: the same problem+json as every other refusal.
      return reply.send(
        new TesseraError('method_not_allowed', 405, `${request.method} is not allowed here; use ${allow.join(', ')}.`, {
          allow: allow.join(', '),
        }),
      );
    });
}

function allowedMethods(fastify: FastifyInstance, methods: Set<HTTPMethods>, url: string): HTTPMethods[] {
  const allow: HTTPMethods[] = [];
  for (const method of methods) {
    const route = fastify.findRoute({ method, url });
    if (route && !('*' in route.params)) {
      allow.push(method);
    }
  }
  return allow.sort();
}
