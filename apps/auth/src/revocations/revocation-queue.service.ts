import { Inject, Injectable } from '@nestjs/common';
import { RevocationStore } from '@tessera/auth';
import type { OutboxWriter } from '@tessera/platform';
import { DATABASE, OutboxRelay, outboxEvents } from '@tessera/platform';

import type { AuthDatabase } from '../database/auth-database';
import { REVOCATION_OUTBOX_SUBJECT, type Revocation } from './revocation';

/**
 * How every revocation leaves auth: written into the transactional outbox in the transaction of
 * the change that causes it (a session ended, an account disabled), so it is durable once that
 * change is; then published to the revocations bucket by the outbox relay, at once after the
 * commit and retried until the bucket has it (RevocationRelay). A NATS fault delays a
 * revocation, never loses it, and never fails or holds up the request that caused it.
 */
@Injectable()
export class RevocationQueue {
  constructor(
    @Inject(DATABASE) private readonly db: AuthDatabase,
    private readonly outbox: OutboxRelay,
    private readonly store: RevocationStore,
  ) {}

  /** Inside the transaction of the change that causes the revocations. */
  async enqueue(tx: OutboxWriter, revocations: readonly Revocation[]): Promise<void> {
    if (revocations.length === 0) {
      return;
    }
    await tx
      .insert(outboxEvents)
      .values(revocations.map((payload) => ({ subject: REVOCATION_OUTBOX_SUBJECT, payload })));
  }

  /**
   * After the commit: auth itself refuses the tokens at once, whatever NATS is doing, and the
   * relay is kicked to publish them now.
   */
  committed(revocations: readonly Revocation[]): void {
    for (const r of revocations) {
      if ('jti' in r) {
        this.store.putJti(r.jti, { exp: r.exp });
      } else {
        this.store.putSubject(r.sub, { before: r.before });
      }
    }
    this.outbox.flush();
  }

  /** Revocations no other change goes with (an access token at the revocation endpoint). */
  async revoke(revocations: readonly Revocation[]): Promise<void> {
    await this.db.transaction((tx) => this.enqueue(tx, revocations));
    this.committed(revocations);
  }
}
