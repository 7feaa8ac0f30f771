import type { OnModuleInit } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { RevocationPublisher } from '@tessera/auth';
import type { OutboxRow, OutboxSink } from '@tessera/platform';
import { DATABASE, Metrics, OutboxRelay, outboxEvents, ReadinessService } from '@tessera/platform';
import { eq, sql } from 'drizzle-orm';

import type { AuthDatabase } from '../database/auth-database';
import { parseRevocation, REVOCATION_OUTBOX_SUBJECT } from './revocation';

/**
 * How long a revocation may wait in the outbox before readiness says so. With NATS healthy one
 * is published within milliseconds of its commit; a KV put that cannot reach the bucket's leader
 * fails after JetStream's 5 s timeout, so by then it has waited longer than this.
 */
export const REVOCATION_PENDING_GRACE_MS = 3000;

/** What waits in the outbox for the revocations bucket. */
export interface PendingRevocations {
  count: number;
  /** Age of the oldest one, in ms; 0 when none waits. */
  oldestMs: number;
}

/**
 * Delivers the revocation rows of the outbox into the revocations bucket (the relay retries a
 * failed put with backoff until it succeeds), and shows what waits: the gauges
 * `tessera_auth_revocations_pending` and `tessera_auth_revocations_pending_age_seconds`, and
 * the readiness check `revocations_pending`, degraded while one has waited longer than
 * REVOCATION_PENDING_GRACE_MS.
 */
@Injectable()
export class RevocationRelay implements OutboxSink, OnModuleInit {
  readonly prefix = REVOCATION_OUTBOX_SUBJECT;
  private readonly logger = new Logger('Revocations');

  constructor(
    @Inject(DATABASE) private readonly db: AuthDatabase,
    private readonly outbox: OutboxRelay,
    private readonly publisher: RevocationPublisher,
    private readonly readiness: ReadinessService,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    this.outbox.addSink(this);
    this.readiness.register('revocations_pending', async () => {
      const { count, oldestMs } = await this.pending();
      return count > 0 && oldestMs > REVOCATION_PENDING_GRACE_MS
        ? { degraded: `${count} revocations waiting to be published for ${Math.ceil(oldestMs / 1000)} s` }
        : true;
    });
    this.metrics.gauge({
      name: 'tessera_auth_revocations_pending',
      help: 'Revocations committed but not yet in the revocations bucket (NATS unreachable, or being published).',
      read: async () => (await this.pending()).count,
    });
    this.metrics.gauge({
      name: 'tessera_auth_revocations_pending_age_seconds',
      help: 'How long the oldest revocation not yet in the revocations bucket has waited; 0 when none waits.',
      read: async () => (await this.pending()).oldestMs / 1000,
    });
  }

  async deliver(row: OutboxRow): Promise<void> {
    const revocation = parseRevocation(row.payload);
    if (!revocation) {
      // Only RevocationQueue writes these rows; one it did not write must not block the rest.
      this.logger.error({ msg: 'dropping a malformed revocation row', id: row.id });
      return;
    }
    if ('jti' in revocation) {
      // An expired token is refused anyway; its entry would only take space in the bucket.
      if (revocation.exp > Date.now() / 1000) {
        await this.publisher.revokeToken(revocation.jti, revocation.exp);
      }
    } else {
      await this.publisher.revokeSubject(revocation.sub, revocation.before);
    }
  }

  async pending(): Promise<PendingRevocations> {
    const [row] = await this.db
      .select({
        count: sql<number>`count(*)::int`,
        oldestMs: sql<number | null>`(extract(epoch from (now() - min(${outboxEvents.createdAt}))) * 1000)::float8`,
      })
      .from(outboxEvents)
      .where(eq(outboxEvents.subject, REVOCATION_OUTBOX_SUBJECT));
    return { count: Number(row?.count ?? 0), oldestMs: Math.max(0, Number(row?.oldestMs ?? 0)) };
  }
}
