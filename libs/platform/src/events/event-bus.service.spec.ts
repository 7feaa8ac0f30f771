import { randomUUID } from 'node:crypto';

import { jetstreamManager } from '@nats-io/jetstream';
import { Logger } from '@nestjs/common';
import { Streams, Subjects, UserRegisteredEvent } from '@tessera/contracts';

import { ReadinessService } from '../health/readiness.service';
import { NatsConnectionService } from '../nats/nats-connection.service';
import { eventually, deleteTestNamespace, startPrivateNatsServer, testNamespace, testNatsUrl } from '../testing';
import { EventBus } from './event-bus.service';

const registered = (displayName = 'Ada'): UserRegisteredEvent => ({
  userId: randomUUID(),
  displayName,
  occurredAt: new Date().toISOString(),
});

describe('EventBus', () => {
  let namespace: string;
  let nats: NatsConnectionService;
  let bus: EventBus;
  let readiness: ReadinessService;
  let warn: jest.SpyInstance;

  beforeEach(async () => {
    namespace = testNamespace();
    readiness = new ReadinessService();
    nats = new NatsConnectionService({ servers: testNatsUrl(), name: 'event-bus-spec', namespace }, readiness);
    await nats.connect();
    bus = new EventBus(nats, readiness);
    await bus.onApplicationBootstrap();
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(async () => {
    warn.mockRestore();
    await bus.onApplicationShutdown();
    await deleteTestNamespace(nats.nc, namespace);
    await nats.onApplicationShutdown();
  });

  it('stores a published event in the namespaced stream, on the namespaced subject', async () => {
    const event = registered();
    await bus.publish(Subjects.UserRegistered, event, randomUUID());
    const jsm = await jetstreamManager(nats.nc);
    const stream = `${namespace}_${Streams.Events}`;
    const stored = await jsm.streams.getMessage(stream, { last_by_subj: `${namespace}.${Subjects.UserRegistered}` });
    expect(stored?.json()).toEqual(event);
    expect((await jsm.streams.info(stream)).state.messages).toBe(1);
  });

  it('hands a subscriber what was published before it subscribed, as the contract class, and acknowledges it', async () => {
    const first = registered('Ada');
    const second = registered('Grace');
    await bus.publish(Subjects.UserRegistered, first, randomUUID());
    await bus.publish(Subjects.UserRegistered, second, randomUUID());
    const handled: UserRegisteredEvent[] = [];
    await bus.subscribe({
      subject: Subjects.UserRegistered,
      durable: 'spec_users',
      type: UserRegisteredEvent,
      handle: async (event) => {
        handled.push(event);
      },
    });
    await eventually(() => handled.length === 2);
    expect(handled).toEqual([first, second]);
    expect(handled[0]).toBeInstanceOf(UserRegisteredEvent);
    const jsm = await jetstreamManager(nats.nc);
    const acknowledged = async () => {
      const info = await jsm.consumers.info(`${namespace}_${Streams.Events}`, 'spec_users');
      return info.ack_floor.stream_seq === 2 && info.num_ack_pending + info.num_pending === 0;
    };
    await eventually(acknowledged);
  });

  it('stores an event published twice with the same id once', async () => {
    const event = registered();
    const id = randomUUID();
    await bus.publish(Subjects.UserRegistered, event, id);
    await bus.publish(Subjects.UserRegistered, event, id);
    const jsm = await jetstreamManager(nats.nc);
    expect((await jsm.streams.info(`${namespace}_${Streams.Events}`)).state.messages).toBe(1);
  });

  it('hands a subscriber only the subject it asked for', async () => {
    const handled: UserRegisteredEvent[] = [];
    await bus.subscribe({
      subject: Subjects.UserRegistered,
      durable: 'spec_only_registered',
      type: UserRegisteredEvent,
      handle: async (event) => {
        handled.push(event);
      },
    });
    await bus.publish(
      Subjects.UserDisabled,
      { userId: randomUUID(), occurredAt: new Date().toISOString() },
      randomUUID(),
    );
    const event = registered();
    await bus.publish(Subjects.UserRegistered, event, randomUUID());
    await eventually(() => handled.length > 0);
    expect(handled).toEqual([event]);
  });

  it('drops an event that breaks its contract, without handing it over, and goes on with the next', async () => {
    const handled: UserRegisteredEvent[] = [];
    await bus.subscribe({
      subject: Subjects.UserRegistered,
      durable: 'spec_invalid',
      type: UserRegisteredEvent,
      handle: async (event) => {
        handled.push(event);
      },
    });
    await bus.publish(Subjects.UserRegistered, { userId: 'not-a-uuid', occurredAt: 'yesterday' }, randomUUID());
    await bus.publish(Subjects.UserRegistered, { ...registered(), email: 'ada@example.com' }, randomUUID());
    const valid = registered();
    await bus.publish(Subjects.UserRegistered, valid, randomUUID());
    await eventually(() => handled.length > 0);
    expect(handled).toEqual([valid]);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/dropped: invalid payload \(userId, occurredAt\)/));
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/dropped: invalid payload \(email\)/));
    // The property name is logged, never the value it held.
    expect(JSON.stringify(warn.mock.calls)).not.toContain('ada@example.com');
  });

  it('redelivers an event whose handler failed, until it succeeds', async () => {
    const attempts: string[] = [];
    const event = registered();
    await bus.subscribe({
      subject: Subjects.UserRegistered,
      durable: 'spec_retry',
      type: UserRegisteredEvent,
      handle: async (e) => {
        attempts.push(e.userId);
        if (attempts.length === 1) {
          throw new Error('database away');
        }
      },
    });
    await bus.publish(Subjects.UserRegistered, event, randomUUID());
    await eventually(() => attempts.length === 2, 15_000);
    expect(attempts).toEqual([event.userId, event.userId]);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('will be redelivered'));
  });

  it('lets replicas sharing a durable name handle each event once between them', async () => {
    const other = new EventBus(nats, new ReadinessService());
    const handled: string[] = [];
    const subscription = {
      subject: Subjects.UserRegistered,
      durable: 'spec_shared',
      type: UserRegisteredEvent,
      handle: async (event: UserRegisteredEvent) => {
        handled.push(event.userId);
      },
    };
    await bus.subscribe(subscription);
    await other.subscribe(subscription);
    try {
      const events = [registered(), registered(), registered(), registered()];
      for (const event of events) {
        await bus.publish(Subjects.UserRegistered, event, randomUUID());
      }
      await eventually(() => handled.length >= events.length);
      await new Promise((r) => setTimeout(r, 300));
      expect([...handled].sort()).toEqual(events.map((e) => e.userId).sort());
    } finally {
      await other.onApplicationShutdown();
    }
  });

  it('creates its durable consumer again when it is deleted under it, and goes on consuming', async () => {
    const handled: string[] = [];
    await bus.subscribe({
      subject: Subjects.UserRegistered,
      durable: 'spec_deleted',
      type: UserRegisteredEvent,
      handle: async (event) => {
        handled.push(event.userId);
      },
    });
    const jsm = await jetstreamManager(nats.nc);
    const stream = `${namespace}_${Streams.Events}`;
    await jsm.consumers.delete(stream, 'spec_deleted');
    const exists = () =>
      jsm.consumers.info(stream, 'spec_deleted').then(
        () => true,
        () => false,
      );
    await eventually(exists, 5_000);
    const event = registered();
    await bus.publish(Subjects.UserRegistered, event, randomUUID());
    await eventually(() => handled.includes(event.userId), 5_000);
    expect(await readiness.evaluate()).toEqual({ ready: true, checks: { nats: true, events: true } });
  });
});

describe('EventBus on a NATS server that stops answering', () => {
  it('reports the consumer degraded, by name, while its pull is silent, and consumes again once the server answers', async () => {
    const server = await startPrivateNatsServer();
    const readiness = new ReadinessService();
    const nats = new NatsConnectionService({ servers: server.url, name: 'event-bus-frozen-spec' }, readiness);
    await nats.connect();
    const bus = new EventBus(nats, readiness);
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const handled: string[] = [];
    try {
      await bus.onApplicationBootstrap();
      await bus.subscribe({
        subject: Subjects.UserRegistered,
        durable: 'spec_frozen',
        type: UserRegisteredEvent,
        handle: async (event) => {
          handled.push(event.userId);
        },
      });
      expect((await readiness.evaluate()).checks.events).toBe(true);

      // Frozen, the server keeps the connection open: only the missing heartbeats tell.
      server.freeze();
      const frozenAt = Date.now();
      await eventually(async () => typeof (await readiness.evaluate()).checks.events === 'object', 6_000);
      expect(Date.now() - frozenAt).toBeLessThan(5_000);
      const { checks } = await readiness.evaluate();
      expect(checks.nats).toBe(true);
      expect(checks.events).toEqual({ degraded: expect.stringMatching(/^spec_frozen not consuming since \d{4}-/) });

      server.resume();
      const event = registered();
      await bus.publish(Subjects.UserRegistered, event, randomUUID());
      await eventually(() => handled.includes(event.userId), 8_000);
      await eventually(async () => (await readiness.evaluate()).checks.events === true, 5_000);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^spec_frozen is not consuming \(/));
      expect(log).toHaveBeenCalledWith(expect.stringMatching(/^spec_frozen consuming again after \d+ ms$/));
    } finally {
      server.resume();
      await bus.onApplicationShutdown();
      await nats.onApplicationShutdown();
      await server.stop();
      warn.mockRestore();
      log.mockRestore();
    }
  }, 30_000);
});
