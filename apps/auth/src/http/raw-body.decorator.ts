import type { ExecutionContext } from '@nestjs/common';
import { createParamDecorator } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/**
 * The parsed request body exactly as sent, for a route that validates it itself (RFC 7591 client
 * metadata, whose unknown members are ignored): a custom parameter decorator, so the global
 * ValidationPipe, which refuses unknown fields, skips it. Still JSON only: the platform's parsers
 * answer a form body 415, an unparsable one 400 and an oversized one 413 before the route runs.
 */
export const RawBody = createParamDecorator(
  (_data: unknown, context: ExecutionContext): unknown => context.switchToHttp().getRequest<FastifyRequest>().body,
);
