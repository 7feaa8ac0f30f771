import { createServiceLogger } from './logger';
import { NestPinoLogger } from './nest-pino-logger';
import { acceptRequestId, currentRequestId, runInRequestContext } from './request-context';

function capture(level: 'info' | 'warn' = 'info') {
  const lines: Record<string, unknown>[] = [];
  const logger = createServiceLogger({
    service: 'test',
    level,
    destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { lines, logger, nest: new NestPinoLogger(logger) };
}

describe('NestPinoLogger', () => {
  it('writes Nest messages as JSON lines with the service, level, context and message', () => {
    const { lines, nest } = capture();
    nest.log('mapped routes', 'RoutesResolver');
    expect(lines).toEqual([
      expect.objectContaining({ service: 'test', level: 'info', context: 'RoutesResolver', msg: 'mapped routes' }),
    ]);
    expect(typeof lines[0]?.time).toBe('string');
  });

  it('adds the id of the request being served, and none outside a request', () => {
    const { lines, nest } = capture();
    runInRequestContext({ requestId: 'req-42' }, () => nest.warn('inside', 'Orders'));
    nest.warn('outside', 'Orders');
    expect(lines[0]).toMatchObject({ requestId: 'req-42', msg: 'inside' });
    expect(lines[1]).not.toHaveProperty('requestId');
  });

  it('spreads an object message into fields and keeps the stack of an error', () => {
    const { lines, nest } = capture();
    nest.error({ msg: 'unhandled error', code: 'x' }, 'Error: boom\n    at somewhere (file.ts:1:1)', 'Errors');
    expect(lines[0]).toMatchObject({ level: 'error', msg: 'unhandled error', code: 'x', context: 'Errors' });
    expect(lines[0]?.stack).toContain('at somewhere');
  });

  it('leaves out levels below the configured one', () => {
    const { lines, nest } = capture('warn');
    nest.log('chatty');
    nest.debug('chattier');
    nest.warn('kept');
    expect(lines.map((l) => l.msg)).toEqual(['kept']);
  });

  it('redacts tokens, passwords, cookies and client secrets wherever a caller puts them', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        authorization: 'Bearer eyJhbGciOi.secret.sig',
        password: 'hunter2hunter2',
        body: { password: 'p1', refresh_token: 'r1', client_secret: 's1', currentPassword: 'c1' },
        headers: { authorization: 'Bearer abc', cookie: 'tessera_refresh=xyz' },
        req: { headers: { authorization: 'Bearer def', cookie: 'a=b' } },
      },
      'careless',
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of ['eyJhbGciOi', 'hunter2', 'p1', 'r1', 's1', 'c1', 'Bearer abc', 'xyz', 'Bearer def', 'a=b']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[redacted]');
  });
});

describe('request ids', () => {
  it('keeps a short id of safe characters and replaces anything else with a new one', () => {
    expect(acceptRequestId('trace-1.2:3_X')).toBe('trace-1.2:3_X');
    for (const bad of ['', 'a b', 'x\ny', '<script>', 'é', 'a'.repeat(129), ['a', 'b'], undefined, 42]) {
      const id = acceptRequestId(bad);
      expect(id).not.toBe(bad);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('is known only inside its request context, across awaits', async () => {
    expect(currentRequestId()).toBeUndefined();
    const seen = await runInRequestContext({ requestId: 'r1' }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      return currentRequestId();
    });
    expect(seen).toBe('r1');
    expect(currentRequestId()).toBeUndefined();
  });
});
