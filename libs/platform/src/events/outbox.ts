import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { asc, eq } from 'drizzle-orm';

import { DATABASE } from '../database/database.module';
import type { Database } from '../database/database';
import { errorMessage } from '../logging/safe-error';
import { EventBus } from './event-bus.service';
import { outboxEvents } from './outbox.table';

export { outboxEvents };

type OutboxSchema = { outboxEvents: typeof outboxEvents };
/** Any drizzle database or transaction whose schema includes the outbox table. */
export type OutboxWriter = Pick<Database<OutboxSchema>, 'insert'>;

/** One committed outbox row waiting to be delivered. */
export interface OutboxRow {
  id: string;
  subject: string;
  payload: object;
  createdAt: Date;
}

/**
 * Delivers the rows whose subject starts with `prefix` somewhere other than the events stream
 * (a KV bucket, say). `deliver` resolves once the destination has the row durably, or throws to
 * have it retried; it must be idempotent, since a row may be delivered again after a crash.
 */
export interface OutboxSink {
  prefix: string;
  deliver(row: OutboxRow): Promise<void>;
}

/** Records an event to publish once the surrounding transaction commits. */
export async function enqueueEvent(tx: OutboxWriter, subject: string, payload: object): Promise<void> {
  await tx.insert(outboxEvents).values({ subject, payload });
}

const BATCH = 100;
/** How often the relay looks for rows nobody kicked it for (another process committed them). */
const POLL_MS = 1000;
/** Retries after a failed delivery back off from the first delay, doubling, up to the last. */
export const OUTBOX_RETRY_FIRST_MS = 100;
export const OUTBOX_RETRY_MAX_MS = 1000;

/**
 * The delay before the next attempt after `failures` passes in a row failed: exponential, and
 * bounded by OUTBOX_RETRY_MAX_MS, so a row waits at most that long once its destination is
 * reachable again. Never gives up: a row leaves the outbox only once delivered.
 */
export function outboxRetryDelayMs(failures: number): number {
  if (failures <= 0) {
    return POLL_MS;
  }
  return Math.min(OUTBOX_RETRY_MAX_MS, OUTBOX_RETRY_FIRST_MS * 2 ** Math.min(failures - 1, 16));
}

/**
 * Publishes what the outbox holds: events to JetStream (EventBus), rows of a registered sink to
 * that sink. Each destination is a lane of its own, delivered oldest first and stopped at its
 * first failure (so a later row never overtakes an earlier one), and a lane that fails does not
 * hold the others back. Kicked right after a commit (`flush`), polled otherwise, retried with
 * backoff while a destination fails.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Outbox');
  private readonly sinks: OutboxSink[] = [];
  private started = false;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  /** A flush arrived while a pass was running: run again at once after it. */
  private again = false;
  /** Passes in a row in which some delivery failed. */
  private failures = 0;

  constructor(
    @Inject(DATABASE) private readonly db: Database<OutboxSchema>,
    private readonly events: EventBus,
  ) {}

  /** Routes the rows whose subject starts with `sink.prefix` to `sink` (register before bootstrap). */
  addSink(sink: OutboxSink): void {
    this.sinks.push(sink);
  }

  onApplicationBootstrap(): void {
    this.started = true;
    this.flush();
  }

  /** Publishes what is pending now (callers kick it right after a commit). */
  flush(): void {
    if (!this.started) {
      return;
    }
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    this.running = this.pass().finally(() => {
      this.running = undefined;
      this.schedule();
    });
  }

  /** Resolves when the pass under way (if any) and those it asked for right after it are done. */
  async settled(): Promise<void> {
    while (this.running) {
      await this.running;
    }
  }

  private schedule(): void {
    if (!this.started) {
      return;
    }
    // While a destination fails, a new commit waits for the backoff like the rest.
    if (this.again && this.failures === 0) {
      this.again = false;
      this.flush();
      return;
    }
    this.again = false;
    this.timer = setTimeout(() => this.flush(), outboxRetryDelayMs(this.failures));
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    let failed: boolean;
    try {
      failed = await this.publishPending();
    } catch (e) {
      failed = true;
      this.logFailure(`reading the outbox failed: ${errorMessage(e)}`);
    }
    if (failed) {
      this.failures++;
    } else {
      if (this.failures > 0) {
        this.logger.log(`outbox delivering again after ${this.failures} failed attempts`);
      }
      this.failures = 0;
    }
  }

  /** True when some delivery failed. */
  private async publishPending(): Promise<boolean> {
    const pending = await this.pending(BATCH);
    if (pending.length === BATCH) {
      this.again = true;
    }
    const lanes = new Map<OutboxSink | undefined, OutboxRow[]>();
    for (const row of pending) {
      const sink = this.sinks.find((s) => row.subject.startsWith(s.prefix));
      lanes.set(sink, [...(lanes.get(sink) ?? []), row]);
    }
    const results = await Promise.all([...lanes].map(([sink, rows]) => this.deliverLane(sink, rows)));
    return results.includes(false);
  }

  private async deliverLane(sink: OutboxSink | undefined, rows: OutboxRow[]): Promise<boolean> {
    for (const row of rows) {
      try {
        if (sink) {
          await sink.deliver(row);
        } else {
          await this.events.publish(row.subject, row.payload, row.id);
        }
        // Stored by its destination: the row has done its job.
        await this.delivered(row.id);
      } catch (e) {
        this.logFailure(`delivering ${row.subject} failed, will retry: ${errorMessage(e)}`);
        return false;
      }
    }
    return true;
  }

  /** Once when a failure streak starts, then every 60th attempt: a long outage does not flood the log. */
  private logFailure(message: string): void {
    if (this.failures % 60 === 0) {
      this.logger.warn(message);
    }
  }

  /** The oldest rows of the outbox (the seam the unit spec replaces). */
  protected async pending(limit: number): Promise<OutboxRow[]> {
    return this.db.select().from(outboxEvents).orderBy(asc(outboxEvents.createdAt)).limit(limit);
  }

  protected async delivered(id: string): Promise<void> {
    await this.db.delete(outboxEvents).where(eq(outboxEvents.id, id));
  }

  /** Before, not on, shutdown: the database closes in onApplicationShutdown. */
  async beforeApplicationShutdown(): Promise<void> {
    this.started = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.settled();
  }
}
