import { request } from 'node:http';
import net from 'node:net';

import Fastify from 'fastify';

import { clientErrorHandler, frameworkErrorHandler } from './client-errors';

interface Outcome {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The error code when the connection failed instead of answering (e.g. ECONNRESET). */
  failure?: string;
}

/** Writes `head` on a fresh connection, then nothing, and reads everything until the server closes. */
function raw(port: number, head: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(head));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const [head = '', body = ''] = received.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, body });
    });
  });
}

const problemHeaders = {
  'content-type': 'application/problem+json; charset=utf-8',
  connection: 'close',
  'x-content-type-options': 'nosniff',
};

describe('clientErrorHandler', () => {
  const app = Fastify({ clientErrorHandler });
  let port = 0;

  beforeAll(async () => {
    app.get('/x', () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  });

  afterAll(() => app.close());

  const get = (headers: Record<string, string>) =>
    new Promise<Outcome>((resolve) => {
      const req = request({ host: '127.0.0.1', port, path: '/x', headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', (e: NodeJS.ErrnoException) => resolve({ status: 0, headers: {}, body: '', failure: e.code }));
      req.end();
    });

  it.each([20_000, 64 * 1024, 1024 * 1024])(
    'answers a %i-byte header with a 431 problem, every time, never a reset',
    async (size) => {
      for (let i = 0; i < 5; i++) {
        const res = await get({ authorization: `Bearer ${'a'.repeat(size)}` });
        expect({ status: res.status, failure: res.failure }).toEqual({ status: 431, failure: undefined });
        expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
        expect(res.headers.connection).toBe('close');
        expect(JSON.parse(res.body)).toEqual({
          type: 'about:blank',
          title: 'Request Header Fields Too Large',
          status: 431,
          code: 'request_header_fields_too_large',
          detail: 'The request headers are too large.',
        });
      }
    },
  );

  it('answers a request Node cannot parse with a 400 bad_request problem', async () => {
    const res = await raw(port, 'GET /x HTTP/1.1\r\nHost: localhost\r\nNo colon here\r\n\r\n');
    expect(res.status).toBe(400);
    expect(res.headers).toMatchObject(problemHeaders);
    expect(JSON.parse(res.body)).toEqual({
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      code: 'bad_request',
      detail: 'The request is not valid HTTP.',
    });
  });

  it('answers headers or a body sent too slowly with a 408 request_timeout problem', async () => {
    const slow = Fastify({
      clientErrorHandler,
      requestTimeout: 300,
      http: { headersTimeout: 300, requestTimeout: 300, connectionsCheckingInterval: 50 },
    });
    slow.post('/x', () => ({ ok: true }));
    await slow.listen({ port: 0, host: '127.0.0.1' });
    try {
      const slowPort = (slow.server.address() as { port: number }).port;
      for (const head of [
        'GET /x HTTP/1.1\r\nHost: localhost\r\n',
        'POST /x HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
      ]) {
        const res = await raw(slowPort, head);
        expect(res.status).toBe(408);
        expect(res.headers).toMatchObject(problemHeaders);
        expect(JSON.parse(res.body)).toEqual({
          type: 'about:blank',
          title: 'Request Timeout',
          status: 408,
          code: 'request_timeout',
          detail: 'The request was not received in time.',
        });
      }
    } finally {
      await slow.close();
    }
  });

  it('still answers ordinary requests', async () => {
    const res = await get({ authorization: 'Bearer x' });
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: '{"ok":true}' });
  });
});

describe('frameworkErrorHandler', () => {
  const app = Fastify({ frameworkErrors: frameworkErrorHandler });

  beforeAll(async () => {
    app.get('/orders/:id', () => ({ ok: true }));
    await app.ready();
  });

  afterAll(() => app.close());

  it('answers a path parameter past maxParamLength with a 414 uri_too_long problem', async () => {
    const res = await app.inject({ method: 'GET', url: `/orders/${'x'.repeat(101)}` });
    expect(res.statusCode).toBe(414);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.json()).toEqual({
      type: 'about:blank',
      title: 'URI Too Long',
      status: 414,
      code: 'uri_too_long',
      detail: 'A path segment of the request is too long.',
    });
  });

  it('answers a malformed percent-encoding in the path with a 400 bad_request problem', async () => {
    const res = await app.inject({ method: 'GET', url: '/orders/%E0%A4%A' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.json()).toMatchObject({ status: 400, code: 'bad_request' });
  });

  it('still routes an ordinary id', async () => {
    const res = await app.inject({ method: 'GET', url: `/orders/${'x'.repeat(100)}` });
    expect({ status: res.statusCode, body: res.body }).toEqual({ status: 200, body: '{"ok":true}' });
  });
});
