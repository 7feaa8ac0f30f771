import { request } from 'node:http';

import Fastify from 'fastify';

import { clientErrorHandler } from './client-errors';

interface Outcome {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The error code when the connection failed instead of answering (e.g. ECONNRESET). */
  failure?: string;
}

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

  it('still answers ordinary requests', async () => {
    const res = await get({ authorization: 'Bearer x' });
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: '{"ok":true}' });
  });
});
