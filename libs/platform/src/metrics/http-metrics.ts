import type { FastifyInstance } from 'fastify';

import type { Metrics } from './metrics';
import { METRICS_PATH } from './metrics';

interface Child {
  observe(seconds: number): void;
}

/** The `route` label of a request no route matched (404s), so made-up paths add no series. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * `tessera_http_request_duration_seconds{method, route, status_code}`: the route is the
 * pattern (`/orders/:id`), never the URL. Children are made once per combination and kept.
 */
export function observeHttpRequests(fastify: FastifyInstance, metrics: Metrics): void {
  const histogram = metrics.histogram({
    name: 'tessera_http_request_duration_seconds',
    help: 'Time from an HTTP request arriving to its response being sent, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status_code'],
  });
  const children = new Map<string, Map<string, Map<number, Child>>>();
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    let byMethod = children.get(route);
    if (!byMethod) {
      byMethod = new Map();
      children.set(route, byMethod);
    }
    let byStatus = byMethod.get(request.method);
    if (!byStatus) {
      byStatus = new Map();
      byMethod.set(request.method, byStatus);
    }
    let child = byStatus.get(reply.statusCode);
    if (!child) {
      child = histogram.labels(request.method, route, String(reply.statusCode));
      byStatus.set(reply.statusCode, child);
    }
    child.observe(reply.elapsedTime / 1000);
    done();
  });
}

/**
 * Serves METRICS_PATH as a plain Fastify route, like /docs: no Nest guard runs on it and it is
 * not part of the OpenAPI document. It holds counts and timings, no tokens or user data; keep
 * it off the public network (scrape it from inside), or set METRICS_ENABLED=false.
 */
export function serveMetrics(fastify: FastifyInstance, metrics: Metrics): void {
  fastify.get(METRICS_PATH, async (_request, reply) => {
    const body = await metrics.scrape();
    return reply.header('content-type', metrics.contentType).header('cache-control', 'no-store').send(body);
  });
}
