import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

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
