import type { FastifyReply, FastifyRequest } from 'fastify';

import type { OpenIdProvider } from './oidc-provider.host';

/**
 * Hands a request to the provider, which answers it on the raw response. The headers Fastify's
 * hooks already set (the request id, CORS, the security headers) are copied first, since a
 * hijacked reply never writes them; the provider's own (its page's CSP, Cache-Control) replace
 * them where both set one. The body Fastify has parsed is where oidc-provider looks for it.
 */
export async function handOver(provider: OpenIdProvider, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) {
      reply.raw.setHeader(name, value);
    }
  }
  (request.raw as { body?: unknown }).body = request.body;
  reply.hijack();
  await provider.handle(request.raw, reply.raw);
}
