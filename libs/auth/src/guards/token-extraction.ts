import type { IncomingMessage } from 'node:http';

import type { NatsContext } from '@nestjs/microservices';
import { Headers } from '@tessera/contracts';
import type { FastifyRequest } from 'fastify';

import { InvalidAuthRequestError, InvalidTokenError, MissingTokenError } from '../auth.errors';

const BEARER = /^Bearer +([^\s]+) *$/i;

function fromAuthorizationValues(values: string[]): string {
  if (values.length === 0) {
    throw new MissingTokenError();
  }
  return bearerToken(values);
}

function bearerToken(values: string[]): string {
  if (values.length > 1) {
    throw new InvalidAuthRequestError('Send exactly one Authorization header.');
  }
  const match = BEARER.exec(values[0] ?? '');
  if (!match?.[1]) {
    throw new InvalidTokenError('The Authorization header must be "Bearer <token>".', 'not_bearer');
  }
  return match[1];
}

/**
 * The token of an HTTP request: the Bearer Authorization header or, when configured, the cookie.
 * Node keeps only the first of repeated Authorization headers, so they are counted on the raw
 * header list: two of them is a 400, not a guess.
 */
export function tokenFromHttp(request: FastifyRequest | IncomingMessage, cookieName?: string): string {
  // Fastify wraps Node's request (request.raw); Express's request is Node's own.
  const raw = ('raw' in request ? request.raw : request).rawHeaders;
  const values: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() === Headers.Authorization) {
      values.push(raw[i + 1] ?? '');
    }
  }
  const cookie = cookieName ? cookieToken(request, cookieName) : undefined;
  if (cookie === undefined) {
    return fromAuthorizationValues(values);
  }
  if (values.length === 0) {
    return cookie;
  }
  // Exactly one token per request: a header and a cookie must not disagree.
  if (bearerToken(values) !== cookie) {
    throw new InvalidAuthRequestError('The Authorization header and the token cookie disagree.');
  }
  return cookie;
}

/** The access-token cookie, read from @fastify/cookie's (or Express cookie-parser's) parse of the Cookie header. */
function cookieToken(request: object, cookieName: string): string | undefined {
  const cookies = (request as { cookies?: Record<string, string | undefined> }).cookies;
  const value = cookies?.[cookieName];
  return value === undefined || value === '' ? undefined : value;
}

/** The token of a NATS message: its `authorization` header, as over HTTP. */
export function tokenFromNats(context: NatsContext): string {
  const headers = context.getHeaders() as { values(k: string): string[] } | undefined;
  return fromAuthorizationValues(headers?.values(Headers.Authorization) ?? []);
}
