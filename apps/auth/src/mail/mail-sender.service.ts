import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { Inject, Injectable } from '@nestjs/common';
import { DATABASE, errorMessage, PeriodicTask } from '@tessera/platform';
import { and, asc, eq, inArray, isNull, lte, sql } from 'drizzle-orm';
import type { Transporter } from 'nodemailer';
import { createTransport } from 'nodemailer';

import { AuthConfig } from '../config/auth.config';
import type { AuthDatabase } from '../database/auth-database';
import type { MailOutboxRow } from '../database/schema';
import { mailOutbox } from '../database/schema';
import { mailRetryDelayMs, messageIdFor } from './mail-message';
import { MailMetrics } from './mail-metrics';

/** How often the sender looks for due mail nobody woke it for (another replica queued it, a retry fell due). */
const POLL_MS = 1000;
/**
 * A claimed mail is left alone by every other sender this long. The SMTP timeouts below add up
 * to well under it, so a send has ended (delivered or failed) before anyone else may try.
 */
const LEASE_MS = 2 * 60 * 1000;
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };
/** last_error is for an operator reading the row, not a place to store a whole SMTP transcript. */
const MAX_ERROR_LENGTH = 500;

/**
 * Sends the mail outbox over SMTP (nodemailer, SMTP_URL) in every replica. A sender claims one
 * due row at a time with `FOR UPDATE SKIP LOCKED`, moving its `next_attempt_at` to the end of a
 * lease, so no other replica takes it while the send is under way; then marks it sent, or
 * counts the failure and schedules the next try with backoff (1 s doubling, at most 5 min). A
 * mail is never dropped, and a row marked sent is never sent again. A replica that dies
 * mid-send leaves the row to be retried when its lease ends: the SMTP server may then get it
 * twice, with the same Message-ID.
 */
@Injectable()
export class MailSender extends PeriodicTask implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly transport?: Transporter;
  private running?: Promise<void>;
  /** Woken while a pass ran: look again right after it. */
  private again = false;
  private stopped = false;

  constructor(
    @Inject(DATABASE) private readonly db: AuthDatabase,
    private readonly config: AuthConfig,
    private readonly metrics: MailMetrics,
  ) {
    super({ context: 'Mail', what: 'sending mail', everyMs: POLL_MS });
    if (config.SMTP_URL) {
      this.transport = createTransport({ url: config.SMTP_URL, ...SMTP_TIMEOUTS, logger: false, debug: false });
    }
  }

  override onApplicationBootstrap(): void {
    if (!this.transport) {
      this.logger.warn('SMTP_URL is not set: mail is queued in the database but not sent');
      return;
    }
    super.onApplicationBootstrap();
    this.wake();
  }

  /** Sends what is due now (MailOutbox calls it after a commit that queued mail). */
  wake(): void {
    void this.runOnce();
  }

  /** Resolves when the pass under way (if any) and those asked for during it are done. */
  async settled(): Promise<void> {
    while (this.running) {
      await this.running;
    }
  }

  protected run(): Promise<void> {
    if (!this.transport || this.stopped) {
      return Promise.resolve();
    }
    if (this.running) {
      // The pass under way looks again when it is done (and reports its own failure, once).
      this.again = true;
      return Promise.resolve();
    }
    const transport = this.transport;
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.drain(transport);
        } while (this.again && !this.stopped);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async drain(transport: Transporter): Promise<void> {
    while (!this.stopped) {
      const claimed = await this.claim();
      if (!claimed) {
        return;
      }
      await this.send(transport, claimed.row, claimed.lease);
    }
  }

  /** The oldest due row, leased to this sender; undefined when nothing is due. */
  private async claim(): Promise<{ row: MailOutboxRow; lease: Date } | undefined> {
    const lease = new Date(Date.now() + LEASE_MS);
    const due = this.db
      .select({ id: mailOutbox.id })
      .from(mailOutbox)
      .where(and(isNull(mailOutbox.sentAt), lte(mailOutbox.nextAttemptAt, sql`now()`)))
      .orderBy(asc(mailOutbox.nextAttemptAt))
      .limit(1)
      .for('update', { skipLocked: true });
    const [row] = await this.db
      .update(mailOutbox)
      .set({ nextAttemptAt: lease })
      .where(and(inArray(mailOutbox.id, due), isNull(mailOutbox.sentAt)))
      .returning();
    return row ? { row, lease } : undefined;
  }

  private async send(transport: Transporter, row: MailOutboxRow, lease: Date): Promise<void> {
    // Still ours only while next_attempt_at is our lease: a sender whose lease ran out writes nothing.
    const ours = and(eq(mailOutbox.id, row.id), isNull(mailOutbox.sentAt), eq(mailOutbox.nextAttemptAt, lease));
    try {
      await transport.sendMail({
        from: this.config.mailFrom,
        to: row.recipient,
        subject: row.subject,
        text: row.textBody,
        html: row.htmlBody,
        messageId: messageIdFor(row.id, this.config.mailFrom),
        headers: { 'Auto-Submitted': 'auto-generated' },
      });
    } catch (e) {
      const attempts = row.attempts + 1;
      const delayMs = mailRetryDelayMs(attempts);
      const message = errorMessage(e).slice(0, MAX_ERROR_LENGTH);
      await this.db
        .update(mailOutbox)
        .set({
          attempts,
          nextAttemptAt: sql`now() + ${delayMs} * interval '1 millisecond'`,
          lastError: message,
        })
        .where(ours);
      this.metrics.mailFailed();
      // The first failure of a message and then every tenth: a long outage does not flood the log.
      if (attempts === 1 || attempts % 10 === 0) {
        // The code only: the server's answer may quote the recipient's address (kept in last_error).
        const { code, responseCode } = e as { code?: unknown; responseCode?: unknown };
        this.logger.warn({
          msg: 'sending mail failed, will retry',
          id: row.id,
          template: row.template,
          attempts,
          code,
          responseCode,
        });
      }
      return;
    }
    const marked = await this.db
      .update(mailOutbox)
      .set({ sentAt: sql`now()`, lastError: null })
      .where(ours)
      .returning({ id: mailOutbox.id });
    this.metrics.mailSent();
    if (marked.length === 0) {
      this.logger.warn({ msg: 'mail sent after its lease ended; another sender may send it again', id: row.id });
    } else {
      this.logger.log({ msg: 'mail sent', id: row.id, template: row.template, attempts: row.attempts + 1 });
    }
  }

  /** Before, not on, shutdown: the database closes in onApplicationShutdown. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.settled();
    this.transport?.close();
  }
}
