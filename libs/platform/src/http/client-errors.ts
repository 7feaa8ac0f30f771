import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

/** How long a refused connection may go on sending what is left of its request, unread. */
const DRAIN_MS = 2000;

const answered = new WeakSet<Socket>();

/**
 * Fastify's `clientErrorHandler`: errors Node's HTTP parser raises before there is a request.
 * Headers over Node's limit (16 KB) get a 431 problem+json, as the error mapping would answer
 * (libs/platform/src/errors/problem.ts). Fastify's default writes its answer and destroys the
 * socket at once: with the rest of a large header still arriving, the kernel then resets the
 * connection and the client never reads the 431 (whether it does is down to timing, which is
 * why one app seemed to answer and the others not). Here the answer is sent with
 * `Connection: close`, the write side is ended, and what the client still sends is read and
 * dropped for at most DRAIN_MS before the socket is destroyed. Node's parser reports the same
 * error again for every later chunk: only the first report answers. Other errors are answered
 * as Fastify's default does.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) {
    return;
  }
  answered.add(socket);
  if (error.code !== 'HPE_HEADER_OVERFLOW') {
    const timeout = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    const status = timeout ? 408 : 400;
    const body = `{"error":"${STATUS_CODES[status]}","message":"${timeout ? 'Client Timeout' : 'Client Error'}","statusCode":${status}}`;
    if (socket.writable) {
      socket.write(response(status, 'application/json', body, false));
    }
    socket.destroy(error);
    return;
  }
  const body = JSON.stringify({
    type: 'about:blank',
    title: STATUS_CODES[431],
    status: 431,
    code: 'request_header_fields_too_large',
    detail: 'The request headers are too large.',
  });
  socket.end(response(431, 'application/problem+json; charset=utf-8', body, true));
  socket.resume();
  setTimeout(() => socket.destroy(), DRAIN_MS).unref();
}

function response(status: number, contentType: string, body: string, close: boolean): string {
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
    `Content-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    (close ? 'Connection: close\r\nX-Content-Type-Options: nosniff\r\n' : '') +
    `\r\n${body}`
  );
}
