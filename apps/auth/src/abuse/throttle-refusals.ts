import type { OnModuleDestroy } from '@nestjs/common';
import { Injectable, Logger } from '@nestjs/common';
import { errorMessage } from '@tessera/platform';

import { AuditTrail } from '../audit/audit-trail.service';
import type { Refusal } from './abuse.errors';

/** One audit record covers at most this long, so a long lock is still reported while it lasts. */
export const REFUSALS_WINDOW_MS = 60_000;
/** Open aggregates held at most; past it the oldest is recorded early (an attacker cycling keys). */
const MAX_OPEN = 10_000;
/** Distinct client addresses remembered per aggregate (their number is recorded, never the list). */
const MAX_ADDRESSES = 1_000;

interface Aggregate {
  refusal: Refusal;
  count: number;
  firstAt: Date;
  lastAt: Date;
  /** The first address refused (the address itself for the address scope). */
  clientAddress?: string;
  addresses: Set<string>;
  subject?: Promise<string | undefined>;
  timer: NodeJS.Timeout;
}

export interface RefusedRequest {
  clientAddress?: string;
  /** Who the refused attempts were for; asked once per aggregate, not per request. */
  subject?: () => Promise<string | undefined>;
  now?: Date;
}

/**
 * Sign-in attempts refused with 429, recorded in the audit trail one `login_throttled` event per
 * counter and window instead of one per request: a flood of refused guesses must neither flood
 * the trail nor cost a database write each. A window ends when the lock does, at most
 * REFUSALS_WINDOW_MS after its first refusal, and at shutdown; its event carries the count.
 * Counts are per process: each replica reports the refusals it answered.
 */
@Injectable()
export class ThrottleRefusals implements OnModuleDestroy {
  private readonly logger = new Logger('LoginAbuse');
  private readonly open = new Map<string, Aggregate>();
  private readonly writes = new Set<Promise<void>>();

  constructor(private readonly audit: AuditTrail) {}

  refused(refusal: Refusal, request: RefusedRequest = {}): void {
    const now = request.now ?? new Date();
    let aggregate = this.open.get(refusal.key);
    if (!aggregate) {
      if (this.open.size >= MAX_OPEN) {
        const [oldest] = this.open.keys();
        if (oldest !== undefined) {
          this.close(oldest);
        }
      }
      const ms = Math.min(Math.max(refusal.lockedUntil.getTime() - now.getTime(), 0), REFUSALS_WINDOW_MS);
      const timer = setTimeout(() => this.close(refusal.key), ms);
      timer.unref();
      aggregate = {
        refusal,
        count: 0,
        firstAt: now,
        lastAt: now,
        clientAddress: request.clientAddress,
        addresses: new Set(),
        subject: request.subject?.().catch(() => undefined),
        timer,
      };
      this.open.set(refusal.key, aggregate);
    }
    aggregate.count++;
    aggregate.lastAt = now;
    if (refusal.lockedUntil > aggregate.refusal.lockedUntil) {
      aggregate.refusal = { ...aggregate.refusal, lockedUntil: refusal.lockedUntil };
    }
    if (request.clientAddress && aggregate.addresses.size < MAX_ADDRESSES) {
      aggregate.addresses.add(request.clientAddress);
    }
  }

  /** Records every open window now, and waits for the records to be written. */
  async flush(): Promise<void> {
    for (const key of [...this.open.keys()]) {
      this.close(key);
    }
    await Promise.all([...this.writes]);
  }

  /** While the database is still open: it closes at application shutdown. */
  async onModuleDestroy(): Promise<void> {
    await this.flush();
  }

  private close(key: string): void {
    const aggregate = this.open.get(key);
    if (!aggregate) {
      return;
    }
    this.open.delete(key);
    clearTimeout(aggregate.timer);
    const write = this.record(aggregate)
      .catch((e: unknown) => {
        this.logger.warn({ msg: 'throttled sign-ins could not be recorded', error: errorMessage(e) });
      })
      .finally(() => this.writes.delete(write));
    this.writes.add(write);
  }

  private async record(aggregate: Aggregate): Promise<void> {
    const { refusal, count, firstAt, lastAt, addresses } = aggregate;
    await this.audit.record('login_throttled', {
      subject: await aggregate.subject,
      clientAddress: aggregate.clientAddress,
      details: {
        scope: refusal.scope,
        refused: String(count),
        addresses: String(addresses.size),
        firstRefusedAt: firstAt.toISOString(),
        lastRefusedAt: lastAt.toISOString(),
        lockedUntil: refusal.lockedUntil.toISOString(),
      },
    });
  }
}
