import Fastify from 'fastify';

import { TesseraError } from '../errors/tessera-error';
import { jsonBodyProblem, MAX_JSON_DEPTH, guardedJsonParser } from './json-body';

const nested = (levels: number, inner: unknown = 1): unknown => {
  let value = inner;
  for (let i = 0; i < levels; i++) {
    value = i % 2 ? { a: value } : [value];
  }
  return value;
};

describe('jsonBodyProblem', () => {
  it('accepts scalars, empty containers and a typical body', () => {
    for (const value of [null, 1, true, 'text', [], {}, { email: 'a@b.test', items: [{ sku: 'x', qty: 2 }] }]) {
      expect(jsonBodyProblem(value)).toBeUndefined();
    }
  });

  it(`accepts ${MAX_JSON_DEPTH} levels of nesting and refuses ${MAX_JSON_DEPTH + 1}`, () => {
    expect(jsonBodyProblem(nested(MAX_JSON_DEPTH))).toBeUndefined();
    expect(jsonBodyProblem(nested(MAX_JSON_DEPTH + 1))).toBe('too_deep');
    expect(jsonBodyProblem(nested(MAX_JSON_DEPTH, 'x'))).toBeUndefined();
    expect(jsonBodyProblem(nested(MAX_JSON_DEPTH, {}))).toBe('too_deep');
  });

  it('refuses thousands of levels without overflowing the stack', () => {
    expect(jsonBodyProblem(JSON.parse('['.repeat(50_000) + ']'.repeat(50_000)))).toBe('too_deep');
  });

  it('refuses a NUL character in a value or a key, at any depth', () => {
    expect(jsonBodyProblem('a\u0000b')).toBe('nul_character');
    expect(jsonBodyProblem({ displayName: 'x\u0000' })).toBe('nul_character');
    expect(jsonBodyProblem({ address: { lines: ['ok', '\u0000'] } })).toBe('nul_character');
    expect(jsonBodyProblem({ ['k\u0000']: 'v' })).toBe('nul_character');
  });

  it('refuses an unpaired surrogate in a value or a key, and keeps a pair (an emoji)', () => {
    expect(jsonBodyProblem({ email: 'a\ud800@b.test' })).toBe('lone_surrogate');
    expect(jsonBodyProblem(['\udc00x'])).toBe('lone_surrogate');
    expect(jsonBodyProblem({ ['k\udbff']: 'v' })).toBe('lone_surrogate');
    expect(jsonBodyProblem({ displayName: 'Ada \ud83d\ude00' })).toBeUndefined();
  });

  it('skips the string checks when the raw text could not hold a NUL', () => {
    expect(jsonBodyProblem({ a: '\u0000' }, false)).toBeUndefined();
    expect(jsonBodyProblem(nested(MAX_JSON_DEPTH + 1), false)).toBe('too_deep');
  });
});

describe('guardedJsonParser', () => {
  const app = Fastify();
  let received: unknown;

  beforeAll(async () => {
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, guardedJsonParser(app));
    app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, _request, reply) => {
      const tessera = error instanceof TesseraError;
      void reply.status(tessera ? error.status : (error.statusCode ?? 500)).send({
        tessera,
        code: error.code,
        detail: error.message,
      });
    });
    app.post('/echo', (request) => {
      received = request.body;
      return { ok: true };
    });
    await app.ready();
  });

  afterAll(() => app.close());

  const post = async (payload: string, contentType = 'application/json') =>
    await app.inject({ method: 'POST', url: '/echo', payload, headers: { 'content-type': contentType } });

  it('parses an ordinary body as before', async () => {
    const res = await post('{"email":"a@b.test","items":[{"sku":"x","qty":2}]}');
    expect(res.statusCode).toBe(200);
    expect(received).toEqual({ email: 'a@b.test', items: [{ sku: 'x', qty: 2 }] });
  });

  it('refuses a body nested too deep with a 400 before the handler', async () => {
    received = undefined;
    const res = await post(`{"email":${'['.repeat(9000)}${']'.repeat(9000)}}`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      tessera: true,
      code: 'bad_request',
      detail: `The request body nests objects or arrays deeper than ${MAX_JSON_DEPTH} levels.`,
    });
    expect(received).toBeUndefined();
  });

  it('refuses an escaped NUL in a value or a key; an escaped backslash before "u0000" is no NUL', async () => {
    for (const body of ['{"displayName":"a\\u0000b"}', '{"a\\u0000":1}', '{"a":{"b":["\\u0000"]}}']) {
      const res = await post(body, 'application/json; charset=utf-8');
      expect({ status: res.statusCode, code: res.json<{ code: string }>().code }).toEqual({
        status: 400,
        code: 'bad_request',
      });
    }
    const res = await post('{"displayName":"a\\\\u0000b"}');
    expect(res.statusCode).toBe(200);
    expect(received).toEqual({ displayName: 'a\\u0000b' });
  });

  it('refuses an escaped unpaired surrogate with a 400 before the handler; an escaped pair passes', async () => {
    received = undefined;
    for (const body of ['{"email":"a\\ud800@b.test"}', '{"a":["\\uDC00"]}', '{"\\ud800":1}']) {
      const res = await post(body);
      expect({ status: res.statusCode, code: res.json<{ code: string }>().code }).toEqual({
        status: 400,
        code: 'bad_request',
      });
    }
    expect(received).toBeUndefined();
    const res = await post('{"displayName":"\\ud83d\\ude00"}');
    expect(res.statusCode).toBe(200);
    expect(received).toEqual({ displayName: '\u{1f600}' });
  });

  it('keeps the default parser’s refusals: malformed JSON, an empty body, prototype poisoning', async () => {
    expect((await post('{"a":')).statusCode).toBe(400);
    expect((await post('')).statusCode).toBe(400);
    const poisoned = await post('{"__proto__":{"admin":true}}');
    expect(poisoned.statusCode).toBe(400);
    expect(poisoned.json<{ tessera: boolean }>().tessera).toBe(false);
    expect((await post('{"constructor":{"prototype":{"admin":true}}}')).statusCode).toBe(400);
  });
});
