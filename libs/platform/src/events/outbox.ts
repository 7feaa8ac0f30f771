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
type OutboxWriter = Pick<Database<OutboxSchema>, 'insert'>;

/** Records an event to publish once the surrounding transaction commits. */
export async function enqueueEvent(tx: OutboxWriter, subject: string, payload: object): Promise<void> {
  await tx.insert(outboxEvents).values({ subject, payload });
}

const BATCH = 100;
const POLL_MS = 1000;

@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Outbox');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    @Inject(DATABASE) private readonly db: Database<OutboxSchema>,
    private readonly events: EventBus,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.flush(), POLL_MS);
    this.flush();
  }

  /** Publishes what is pending now (callers may kick it right after a commit). */
  flush(): void {
    if (!this.timer) {
      return;
    }
    this.running ??= this.publishPending()
      .catch((e: unknown) => this.logger.warn(`publishing pending events failed, will retry: ${errorMessage(e)}`))
      .finally(() => {
        this.running = undefined;
      });
  }

  private async publishPending(): Promise<void> {
    const pending = await this.db.select().from(outboxEvents).orderBy(asc(outboxEvents.createdAt)).limit(BATCH);
    for (const event of pending) {
      await this.events.publish(event.subject, event.payload, event.id);
      // Stored by JetStream: the row has done its job.
      await this.db.delete(outboxEvents).where(eq(outboxEvents.id, event.id));
    }
  }

  /** Before, not on, shutdown: the database closes in onApplicationShutdown. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
