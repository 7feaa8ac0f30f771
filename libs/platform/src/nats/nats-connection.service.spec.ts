import { Logger } from '@nestjs/common';

import { ReadinessService } from '../health/readiness.service';
import { eventually, startPrivateNatsServer, testNamespace, testNatsUrl } from '../testing';
import { NatsConnectionService } from './nats-connection.service';

describe('NatsConnectionService', () => {
  let logs: jest.SpyInstance[];

  beforeEach(() => {
    logs = [
      jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined),
      jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined),
    ];
  });

  afterEach(() => logs.forEach((spy) => spy.mockRestore()));

  it('is not ready before it connects, and ready once connected to the configured server', async () => {
    const readiness = new ReadinessService();
    const nats = new NatsConnectionService({ servers: testNatsUrl(), name: 'nats-spec' }, readiness);
    expect((await readiness.evaluate()).checks.nats).toBe('not connected to NATS');
    expect(() => nats.nc).toThrow('NATS is not connected yet');

    const nc = await nats.connect();
    try {
      expect(nats.nc).toBe(nc);
      await expect(nats.connect()).resolves.toBe(nc);
      expect(await readiness.evaluate()).toEqual({ ready: true, checks: { nats: true } });
      expect(nc.info?.client_id).toBeDefined();
    } finally {
      await nats.onApplicationShutdown();
    }
  });

  it('names subjects and buckets inside its namespace, and leaves them bare without one', () => {
    const readiness = new ReadinessService();
    const namespace = testNamespace();
    const scoped = new NatsConnectionService({ servers: testNatsUrl(), name: 'a', namespace }, readiness);
    expect(scoped.subject('profile.get.v1')).toBe(`${namespace}.profile.get.v1`);
    expect(scoped.bucket('tessera_keys')).toBe(`${namespace}_tessera_keys`);
    const bare = new NatsConnectionService({ servers: testNatsUrl(), name: 'b' }, readiness);
    expect(bare.subject('profile.get.v1')).toBe('profile.get.v1');
    expect(bare.bucket('tessera_keys')).toBe('tessera_keys');
  });

  it('creates buckets and streams with the configured replicas, one by default', () => {
    const readiness = new ReadinessService();
    expect(new NatsConnectionService({ servers: testNatsUrl(), name: 'a' }, readiness).replicas).toBe(1);
    expect(new NatsConnectionService({ servers: testNatsUrl(), name: 'a', replicas: 3 }, readiness).replicas).toBe(3);
  });

  it('fails to connect to a server that is not there', async () => {
    const server = await startPrivateNatsServer();
    await server.stop();
    const nats = new NatsConnectionService({ servers: server.url, name: 'nats-spec' }, new ReadinessService());
    await expect(nats.connect()).rejects.toThrow();
  });

  it('reports itself degraded while NATS is away and ready again once it reconnects', async () => {
    const server = await startPrivateNatsServer();
    const readiness = new ReadinessService();
    const nats = new NatsConnectionService({ servers: server.url, name: 'nats-spec' }, readiness);
    try {
      await nats.connect();
      expect(nats.disconnectedSince).toBeUndefined();

      const before = Date.now();
      await server.stop();
      await eventually(() => nats.disconnectedSince !== undefined);
      expect(nats.disconnectedSince).toBeGreaterThanOrEqual(before);
      const away = await readiness.evaluate();
      // Degraded still serves: verification goes on from the last known keys and revocations.
      expect(away.ready).toBe(true);
      expect(away.checks.nats).toEqual({
        degraded: `NATS unreachable since ${new Date(nats.disconnectedSince!).toISOString()}`,
      });

      await server.start();
      await eventually(async () => (await readiness.evaluate()).checks.nats === true, 20_000);
      expect(nats.disconnectedSince).toBeUndefined();
    } finally {
      await nats.onApplicationShutdown();
      await server.stop();
    }
  });

  it('drains and closes the connection on shutdown, and no longer reports itself connected', async () => {
    const readiness = new ReadinessService();
    const nats = new NatsConnectionService({ servers: testNatsUrl(), name: 'nats-spec' }, readiness);
    const nc = await nats.connect();
    await nats.onApplicationShutdown();
    expect(nc.isClosed()).toBe(true);
    expect(() => nats.nc).toThrow('NATS is not connected yet');
    expect((await readiness.evaluate()).checks.nats).not.toBe(true);
    // Twice is harmless (Nest may call it after a failed boot).
    await expect(nats.onApplicationShutdown()).resolves.toBeUndefined();
  });
});
