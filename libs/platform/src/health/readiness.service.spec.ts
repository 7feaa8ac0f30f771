import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { TerminusModule } from '@nestjs/terminus';

import { HealthController } from './health.controller';
import { type ReadinessCheck, ReadinessService } from './readiness.service';

describe('ReadinessService', () => {
  it('is ready with no checks registered', async () => {
    await expect(new ReadinessService().evaluate()).resolves.toEqual({ ready: true, checks: {} });
  });

  it('is ready when every check passes, degraded ones included, and reports each by name', async () => {
    const readiness = new ReadinessService();
    readiness.register('nats', () => true);
    readiness.register('database', async () => true as const);
    readiness.register('keys', () => ({ degraded: 'NATS away: serving the last known keys' }));
    await expect(readiness.evaluate()).resolves.toEqual({
      ready: true,
      checks: { nats: true, database: true, keys: { degraded: 'NATS away: serving the last known keys' } },
    });
  });

  it('is not ready when one check answers why not, and lists that reason under its name', async () => {
    const readiness = new ReadinessService();
    readiness.register('nats', () => true);
    readiness.register('database', async () => 'database not answering');
    const result = await readiness.evaluate();
    expect(result.ready).toBe(false);
    expect(result.checks).toEqual({ nats: true, database: 'database not answering' });
  });

  it('counts a check that throws or rejects as failed, without the error text', async () => {
    const readiness = new ReadinessService();
    readiness.register('sync', () => {
      throw new Error('secret connection string postgres://u:p@db');
    });
    readiness.register('keys', () => Promise.reject(new Error('boom')));
    await expect(readiness.evaluate()).resolves.toEqual({
      ready: false,
      checks: { sync: 'check failed', keys: 'check failed' },
    });
  });

  it('runs the current check of a name registered twice', async () => {
    const readiness = new ReadinessService();
    readiness.register('keys', () => 'no keys yet');
    readiness.register('keys', () => true);
    await expect(readiness.evaluate()).resolves.toEqual({ ready: true, checks: { keys: true } });
  });

  it('evaluates the checks afresh every time', async () => {
    const readiness = new ReadinessService();
    let connected = false;
    readiness.register('nats', () => connected || 'not connected');
    expect((await readiness.evaluate()).ready).toBe(false);
    connected = true;
    expect((await readiness.evaluate()).ready).toBe(true);
  });
});

describe('GET /health/ready', () => {
  let app: NestFastifyApplication;
  const readiness = new ReadinessService();
  const state: Record<string, ReadinessCheck> = {};

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [{ provide: ReadinessService, useValue: readiness }],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    readiness.register('nats', () => state.nats());
    readiness.register('keys', () => state.keys());
  });

  afterAll(() => app?.close());

  it('answers 200 with every check up when ready', async () => {
    state.nats = () => true;
    state.keys = () => true;
    const res = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', info: { nats: { status: 'up' }, keys: { status: 'up' } } });
  });

  it('answers 200 while degraded, with the reason shown', async () => {
    state.nats = () => ({ degraded: 'reconnecting' });
    state.keys = () => true;
    const res = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', info: { nats: { status: 'up', degraded: 'reconnecting' } } });
  });

  it('answers 503 naming the check that is down and why, under error', async () => {
    state.nats = () => true;
    state.keys = () => 'no signing keys loaded';
    const res = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(503);
    const body = res.json<{ status: string; error: object; info: object }>();
    expect(body.status).toBe('error');
    expect(body.error).toEqual({ keys: { status: 'down', reason: 'no signing keys loaded' } });
    expect(body.info).toEqual({ nats: { status: 'up' } });
  });

  it('answers liveness whatever the readiness', async () => {
    state.nats = () => 'not connected';
    const res = await app.inject({ method: 'GET', url: '/health/live' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });
});
