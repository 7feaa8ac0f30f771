import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, isUuid } from '@tessera/platform';

import type { AuthDatabase } from '../database/auth-database';
import { mailOutbox } from '../database/schema';
import type { MailMessage } from './mail-message';
import { MailMetrics } from './mail-metrics';
import { MailSender } from './mail-sender.service';

/** Any auth database or transaction (the caller's). */
export type MailWriter = Pick<AuthDatabase, 'insert'>;

/**
 * How mail leaves auth: written into the mail outbox in the transaction of the change it tells
 * the user about, so a mail exists exactly when its change committed (a rollback sends
 * nothing); then sent by MailSender, at once after `committed()` or at its next poll.
 */
@Injectable()
export class MailOutbox {
  constructor(
    @Inject(DATABASE) private readonly db: AuthDatabase,
    private readonly sender: MailSender,
    private readonly metrics: MailMetrics,
  ) {}

  /**
   * Inside the caller's transaction. Queuing an id that is already queued (or sent) does
   * nothing: the id is the message's idempotency key.
   */
  async enqueue(tx: MailWriter, message: MailMessage): Promise<void> {
    if (!isUuid(message.id)) {
      throw new Error('a mail id must be a UUID');
    }
    if (!message.to || /[\r\n]/.test(message.to) || /[\r\n]/.test(message.subject)) {
      throw new Error('a mail needs a recipient, and neither it nor the subject may hold a line break');
    }
    await tx
      .insert(mailOutbox)
      .values({
        id: message.id,
        template: message.template,
        recipient: message.to,
        subject: message.subject,
        textBody: message.text,
        htmlBody: message.html,
      })
      .onConflictDoNothing({ target: mailOutbox.id });
  }

  /** After the commit of a transaction that queued `count` mails: send them now. */
  committed(count = 1): void {
    this.metrics.mailQueued(count);
    this.sender.wake();
  }

  /** A mail no other change goes with: queued in a transaction of its own, then sent. */
  async send(message: MailMessage): Promise<void> {
    await this.db.transaction((tx) => this.enqueue(tx, message));
    this.committed();
  }
}
