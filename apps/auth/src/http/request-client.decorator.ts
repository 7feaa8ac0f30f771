import type { ExecutionContext } from '@nestjs/common';
import { createParamDecorator } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import type { ClientInfo } from './client-info';

/**
 * The caller's user agent and address, recorded with a new session so its owner can recognise
 * it in the session list. The address is Fastify's `request.ip`: the peer, unless the platform
 * is configured to trust a proxy's X-Forwarded-For.
 */
export const RequestClient = createParamDecorator((_data: unknown, context: ExecutionContext): ClientInfo => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const userAgent = request.headers['user-agent'];
  return { userAgent: typeof userAgent === 'string' ? userAgent : undefined, clientAddress: request.ip };
});
