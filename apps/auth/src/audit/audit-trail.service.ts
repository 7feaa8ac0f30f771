import { Inject, Injectable } from '@nestjs/common';
import type { AuditEvent, AuditEventType } from '@tessera/contracts';
import { auditSubject } from '@tessera/contracts';
import { DATABASE, enqueueEvent, OutboxRelay } from '@tessera/platform';

import type { AuthDatabase } from '../database/auth-database';

type OutboxWriter = Parameters<typeof enqueueEvent>[0];

export interface AuditEntry {
  /** A user id, `client:<id>`, `operator` or `system`; omitted when unknown (an unknown email). */
  subject?: string;
  clientAddress?: string;
  details?: Record<string, string>;
}

/**
 * The audit trail (README.md, "Audit trail"): security events published durably to JetStream as
 * `auth.audit.<type>.v1` through the outbox, so a record is never lost to a NATS outage and is
 * written in the same transaction as the change it reports when there is one.
 */
@Injectable()
export class AuditTrail {
  constructor(
    @Inject(DATABASE) private readonly db: AuthDatabase,
    private readonly outbox: OutboxRelay,
  ) {}

  /** Records the event; inside `tx` when given (it commits with the change), else on its own. */
  async record(type: AuditEventType, entry: AuditEntry = {}, tx?: OutboxWriter, now = new Date()): Promise<void> {
    const event: AuditEvent = {
      type,
      occurredAt: now.toISOString(),
      subject: entry.subject ?? null,
      clientAddress: entry.clientAddress ?? null,
      details: entry.details ?? {},
    };
    await enqueueEvent(tx ?? this.db, auditSubject(type), event);
    if (!tx) {
      this.outbox.flush();
    }
  }
}
