import { Inject, Injectable } from '@nestjs/common';
import type { CounterCell } from '@tessera/platform';
import { DATABASE, Metrics } from '@tessera/platform';
import { count, isNull } from 'drizzle-orm';

import type { AuthDatabase } from '../database/auth-database';
import { mailOutbox } from '../database/schema';

/**
 * The mail path at /metrics: `tessera_auth_mail_queued_total` (committed to the outbox),
 * `tessera_auth_mail_sent_total`, `tessera_auth_mail_failed_total` (failed attempts, each retried)
 * and the gauge `tessera_auth_mail_unsent` (queued and not sent yet, read from the database
 * when scraped, so every replica reports the same backlog). Counts only, never addresses.
 */
@Injectable()
export class MailMetrics {
  private readonly queued: CounterCell;
  private readonly sent: CounterCell;
  private readonly failed: CounterCell;

  constructor(metrics: Metrics, @Inject(DATABASE) db: AuthDatabase) {
    this.queued = metrics
      .cellCounter({ name: 'tessera_auth_mail_queued_total', help: 'Mails committed to the mail outbox.' })
      .cell({});
    this.sent = metrics
      .cellCounter({ name: 'tessera_auth_mail_sent_total', help: 'Mails the SMTP server accepted.' })
      .cell({});
    this.failed = metrics
      .cellCounter({
        name: 'tessera_auth_mail_failed_total',
        help: 'Failed attempts to hand a mail to the SMTP server; each is retried with backoff.',
      })
      .cell({});
    metrics.gauge({
      name: 'tessera_auth_mail_unsent',
      help: 'Mails in the outbox not sent yet (all replicas).',
      read: async () => {
        try {
          const [row] = await db.select({ n: count() }).from(mailOutbox).where(isNull(mailOutbox.sentAt));
          return row?.n;
        } catch {
          return undefined;
        }
      },
    });
  }

  mailQueued(n = 1): void {
    this.queued.value += n;
  }

  mailSent(): void {
    this.sent.value++;
  }

  mailFailed(): void {
    this.failed.value++;
  }
}
