import { Logger } from '@nestjs/common';

import type { Database } from '../database/database';
import type { EventBus } from './event-bus.service';
import type { OutboxRow, OutboxSink } from './outbox';
import { OUTBOX_RETRY_MAX_MS, OutboxRelay, outboxRetryDelayMs } from './outbox';

/** The relay over an in-memory outbox instead of a database table. */
class MemoryRelay extends OutboxRelay {
  rows: OutboxRow[] = [];

  constructor(events: Pick<EventBus, 'publish'>) {
    super({} as Database<never>, events as EventBus);
  }

  add(subject: string, payload: object = {}): void {
    this.rows.push({ id: `row-${this.rows.length}`, subject, payload, createdAt: new Date() });
  }

  protected override async pending(limit: number): Promise<OutboxRow[]> {
    return this.rows.slice(0, limit);
  }

  protected override async delivered(id: string): Promise<void> {
    this.rows = this.rows.filter((r) => r.id !== id);
  }
}

/** A sink that fails while `down` is set, recording what it delivered. */
function flakySink(prefix: string) {
  const sink = {
    prefix,
    down: false,
    attempts: [] as number[],
    delivered: [] as string[],
    async deliver(row: OutboxRow) {
      sink.attempts.push(Date.now());
      if (sink.down) {
        throw new Error('timeout');
      }
      sink.delivered.push(row.id);
    },
  };
  return sink satisfies OutboxSink;
}

async function advance(ms: number): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms);
}

describe('outboxRetryDelayMs', () => {
  it('doubles from the first delay and never waits longer than the bound', () => {
    expect([1, 2, 3, 4, 5, 6, 50, 10_000].map(outboxRetryDelayMs)).toEqual([
      100,
      200,
      400,
      800,
      OUTBOX_RETRY_MAX_MS,
      OUTBOX_RETRY_MAX_MS,
      OUTBOX_RETRY_MAX_MS,
      OUTBOX_RETRY_MAX_MS,
    ]);
  });
});

describe('OutboxRelay', () => {
  beforeAll(() => {
    Logger.overrideLogger(false);
  });
  beforeEach(() => {
    jest.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('retries a failing sink with backoff until it delivers, then forgets the row', async () => {
    const relay = new MemoryRelay({ publish: jest.fn() });
    const sink = flakySink('kv.');
    relay.addSink(sink);
    relay.add('kv.one');
    sink.down = true;
    relay.onApplicationBootstrap();

    await advance(100 + 200 + 400 + 800 + 1000 + 1000);
    // The first attempt at once, then after 100, 200, 400, 800 ms, then every second.
    expect(sink.attempts).toEqual([0, 100, 300, 700, 1500, 2500, 3500]);
    expect(relay.rows).toHaveLength(1);

    sink.down = false;
    await advance(OUTBOX_RETRY_MAX_MS);
    expect(sink.delivered).toEqual(['row-0']);
    expect(relay.rows).toEqual([]);
    await relay.beforeApplicationShutdown();
  });

  it('keeps the order of one destination: a later row never overtakes a failed earlier one', async () => {
    const relay = new MemoryRelay({ publish: jest.fn() });
    const sink = flakySink('kv.');
    relay.addSink(sink);
    relay.add('kv.first');
    relay.add('kv.second');
    sink.down = true;
    relay.onApplicationBootstrap();
    await advance(350);
    // Each pass stopped at the first row.
    expect(sink.attempts).toHaveLength(3);
    sink.down = false;
    await advance(400);
    expect(sink.delivered).toEqual(['row-0', 'row-1']);
    await relay.beforeApplicationShutdown();
  });

  it('does not let a failing destination hold back another one', async () => {
    const publish = jest.fn().mockResolvedValue(undefined);
    const relay = new MemoryRelay({ publish });
    const sink = flakySink('kv.');
    sink.down = true;
    relay.addSink(sink);
    relay.add('kv.stuck');
    relay.add('auth.user.registered.v1', { userId: 'u' });
    relay.onApplicationBootstrap();
    await advance(0);
    expect(publish).toHaveBeenCalledWith('auth.user.registered.v1', { userId: 'u' }, 'row-1');
    expect(relay.rows.map((r) => r.subject)).toEqual(['kv.stuck']);
    await relay.beforeApplicationShutdown();
  });

  it('delivers a row committed while a pass is running right after it, not at the next poll', async () => {
    const relay = new MemoryRelay({ publish: jest.fn() });
    const sink = flakySink('kv.');
    relay.addSink(sink);
    relay.onApplicationBootstrap();
    // The first (empty) pass is under way; a commit kicks the relay meanwhile.
    relay.add('kv.late');
    relay.flush();
    await advance(0);
    expect(sink.delivered).toEqual(['row-0']);
    expect(sink.attempts).toEqual([0]);
    await relay.beforeApplicationShutdown();
  });

  it('stops retrying at shutdown', async () => {
    const relay = new MemoryRelay({ publish: jest.fn() });
    const sink = flakySink('kv.');
    sink.down = true;
    relay.addSink(sink);
    relay.add('kv.one');
    relay.onApplicationBootstrap();
    await advance(0);
    await relay.beforeApplicationShutdown();
    await advance(10_000);
    expect(sink.attempts).toHaveLength(1);
    expect(relay.rows).toHaveLength(1);
  });
});
