import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** How long a refused connection may go on sending what is left of its request, unread. */
const DRAIN_MS = 2000;

const answered = new WeakSet<Socket>();

/** The answers to errors Node's HTTP parser raises, as problem+json like the error mapping's. */
const PROBLEMS = {
  400: { code: 'bad_request', detail: 'The request is not valid HTTP.' },
  408: { code: 'request_timeout', detail: 'The request was not received in time.' },
  431: { code: 'request_header_fields_too_large', detail: 'The request headers are too large.' },
} as const;

/**
 * Fastify's `clientErrorHandler`: errors Node's HTTP parser raises before there is a request,
 * answered with a problem+json body and `Connection: close`, as the error mapping would answer
 * (libs/platform/src/errors/problem.ts): 408 `request_timeout` for headers or a body sent too
 * slowly (the server timeouts of bootstrap/create-service.ts), 431 for headers over Node's limit
 * (16 KB), 400 `bad_request` for anything else the parser refuses.
 *
 * For the 431, Fastify's way (write the answer, destroy the socket at once) would not do: with
 * the rest of a large header still arriving, the kernel then resets the connection and the
 * client never reads the 431 (whether it does is down to timing, which is why one app seemed to
 * answer and the others not). So the write side is ended, and what the client still sends is
 * read and dropped for at most DRAIN_MS before the socket is destroyed. Node's parser reports
 * the same error again for every later chunk: only the first report answers.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) {
    return;
  }
  answered.add(socket);
  if (error.code !== 'HPE_HEADER_OVERFLOW') {
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    if (socket.writable) {
      socket.write(response(status));
    }
    socket.destroy(error);
    return;
  }
  socket.end(response(431));
  socket.resume();
  setTimeout(() => socket.destroy(), DRAIN_MS).unref();
}

function response(status: keyof typeof PROBLEMS): string {
  const body = JSON.stringify({ type: 'about:blank', title: STATUS_CODES[status], status, ...PROBLEMS[status] });
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
    `Content-Type: application/problem+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `Connection: close\r\nX-Content-Type-Options: nosniff\r\n\r\n${body}`
  );
}

/** The answers to the URL errors Fastify's router raises, as problem+json like the error mapping's. */
const URL_PROBLEMS: Record<string, { status: number; code: string; detail: string }> = {
  FST_ERR_BAD_URL: { status: 400, code: 'bad_request', detail: 'The request path is not validly percent-encoded.' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, code: 'uri_too_long', detail: 'A path segment of the request is too long.' },
};

/**
 * Fastify's `frameworkErrors`: errors its router raises while matching the URL, before any route
 * and so before the Nest error filter: a malformed percent-encoding (400 `bad_request`) and a
 * path parameter past `maxParamLength` (414 `uri_too_long`; no id Tessera hands out is near 100
 * characters). Without it Fastify answers them in a JSON shape of its own, which no document
 * declares.
 */
export function frameworkErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const known = URL_PROBLEMS[error.code];
  const status = known?.status ?? 500;
  void reply
    .status(status)
    .header('content-type', 'application/problem+json; charset=utf-8')
    .send({
      type: 'about:blank',
      title: STATUS_CODES[status],
      status,
      code: known?.code ?? 'internal_server_error',
      ...(known ? { detail: known.detail } : {}),
    });
}
