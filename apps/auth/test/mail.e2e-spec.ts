import { randomUUID } from 'node:crypto';

import { Metrics } from '@tessera/platform';
import { eventually, freePort, metricValue, testDatabaseTargets } from '@tessera/platform/testing';
import { eq, inArray } from 'drizzle-orm';
import type { ParsedMail } from 'mailparser';

import { AuthConfig } from '../src/config/auth.config';
import { mailOutbox } from '../src/database/schema';
import type { MailMessage } from '../src/mail/mail-message';
import { MailMetrics } from '../src/mail/mail-metrics';
import { MailOutbox } from '../src/mail/mail-outbox.service';
import { MailSender } from '../src/mail/mail-sender.service';
import type { AuthAppFixture } from './auth-app.fixture';
import { sleep, startAuthApp } from './auth-app.fixture';
import type { SmtpSink } from './smtp-sink';
import { startSmtpSink } from './smtp-sink';

const MAIL_FROM = 'Tessera Test <no-reply@tessera.test>';
/** Booting the app (migrations, keys, NATS) on a busy machine. */
const BOOT_MS = 30_000;
/** Stands for the single-use link a real flow puts in a mail: it must never reach a log line. */
const SECRET_LINK = 'http://localhost:3000/verify?token=sEcReT-tOkEn-4b1d';

function message(overrides: Partial<MailMessage> = {}): MailMessage {
  const id = randomUUID();
  return {
    id,
    to: `reader-${id.slice(0, 8)}@example.com`,
    template: 'test-mail',
    subject: `Hello ${id.slice(0, 8)}`,
    text: `Open ${SECRET_LINK}`,
    html: `<p>Open <a href="${SECRET_LINK}">this link</a></p>`,
    ...overrides,
  };
}

describe.each(testDatabaseTargets())('mail on $name', (target) => {
  let smtp: SmtpSink;
  let auth: AuthAppFixture;
  let outbox: MailOutbox;
  const logLines: string[] = [];

  beforeAll(async () => {
    smtp = await startSmtpSink(await freePort());
    auth = await startAuthApp(target, {
      env: { SMTP_URL: smtp.url, MAIL_FROM, LOG_LEVEL: 'info' },
      logLines,
    });
    outbox = auth.app.get(MailOutbox);
  }, BOOT_MS);

  afterAll(async () => {
    await auth?.close();
    await smtp?.stop();
  });

  /** Queues `messages` in one transaction of the app's database and commits it. */
  async function queue(...messages: MailMessage[]): Promise<void> {
    await auth.db.transaction(async (tx) => {
      for (const m of messages) {
        await outbox.enqueue(tx, m);
      }
    });
    outbox.committed(messages.length);
  }

  const received = (id: string): ParsedMail[] => smtp.messages.filter((m) => m.messageId === `<${id}@tessera.test>`);

  async function rowOf(id: string) {
    const [row] = await auth.db.select().from(mailOutbox).where(eq(mailOutbox.id, id));
    return row;
  }

  it('sends a mail queued in a committed transaction once, with its text and HTML bodies, from MAIL_FROM', async () => {
    const mail = message();
    await queue(mail);
    await eventually(() => received(mail.id).length > 0, 5000);
    const [got] = received(mail.id);
    expect(got.from?.value).toEqual([{ name: 'Tessera Test', address: 'no-reply@tessera.test' }]);
    expect(got.to).toMatchObject({ value: [{ address: mail.to }] });
    expect(got.subject).toBe(mail.subject);
    expect(got.text?.trim()).toBe(mail.text);
    expect(got.html).toContain(`<a href="${SECRET_LINK}">this link</a>`);
    expect(got.headers.get('auto-submitted')).toBe('auto-generated');
    await eventually(async () => Boolean((await rowOf(mail.id))?.sentAt), 2000);
    expect(await rowOf(mail.id)).toMatchObject({ attempts: 0, lastError: null });

    // Queued again under the same id, and polled past: still the one copy.
    await queue(mail);
    await sleep(1500);
    expect(received(mail.id)).toHaveLength(1);
  });

  it('never sends a mail whose transaction rolled back', async () => {
    const rolledBack = message();
    await expect(
      auth.db.transaction(async (tx) => {
        await outbox.enqueue(tx, rolledBack);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const later = message();
    await queue(later);
    await eventually(() => received(later.id).length > 0, 5000);
    await sleep(1200);
    expect(received(rolledBack.id)).toHaveLength(0);
    expect(await rowOf(rolledBack.id)).toBeUndefined();
  });

  it('keeps a mail queued while the SMTP server is down, counting attempts, and delivers it exactly once when it is back', async () => {
    const before = (await auth.call('GET', '/metrics')).text;
    const failedBefore = metricValue(before, 'tessera_auth_mail_failed_total');
    const queuedBefore = metricValue(before, 'tessera_auth_mail_queued_total');
    await smtp.stop();
    const mail = message();
    try {
      await queue(mail);
      await eventually(async () => ((await rowOf(mail.id))?.attempts ?? 0) >= 2, 8000);
      const row = await rowOf(mail.id);
      expect(row).toMatchObject({ sentAt: null, lastError: expect.stringMatching(/\S/) });
      const metrics = (await auth.call('GET', '/metrics')).text;
      expect(metricValue(metrics, 'tessera_auth_mail_failed_total')).toBeGreaterThanOrEqual(failedBefore + 2);
      expect(metricValue(metrics, 'tessera_auth_mail_queued_total')).toBe(queuedBefore + 1);
      expect(metricValue(metrics, 'tessera_auth_mail_unsent')).toBeGreaterThanOrEqual(1);
    } finally {
      await smtp.start();
    }
    // Backoff after two or three failures: the next try is at most a few seconds away.
    await eventually(() => received(mail.id).length > 0, 12_000);
    await eventually(async () => Boolean((await rowOf(mail.id))?.sentAt), 2000);
    await sleep(1500);
    expect(received(mail.id)).toHaveLength(1);
    const metrics = (await auth.call('GET', '/metrics')).text;
    expect(metricValue(metrics, 'tessera_auth_mail_sent_total')).toBeGreaterThanOrEqual(3);
    expect(metricValue(metrics, 'tessera_auth_mail_unsent')).toBe(0);
  }, 30_000);

  it('sends each mail once when two replicas send from one database', async () => {
    // A second sender as another replica would run it: its own metrics, the same database.
    const replicaMetrics = new Metrics('auth-replica');
    const replica = new MailSender(auth.db, auth.app.get(AuthConfig), new MailMetrics(replicaMetrics, auth.db));
    const sentBefore = metricValue((await auth.call('GET', '/metrics')).text, 'tessera_auth_mail_sent_total');
    replica.onApplicationBootstrap();
    const mails = Array.from({ length: 20 }, () => message());
    try {
      await queue(...mails);
      replica.wake();
      await eventually(async () => {
        const rows = await auth.db
          .select({ sentAt: mailOutbox.sentAt })
          .from(mailOutbox)
          .where(
            inArray(
              mailOutbox.id,
              mails.map((m) => m.id),
            ),
          );
        return rows.every((r) => r.sentAt !== null);
      }, 10_000);
    } finally {
      await replica.beforeApplicationShutdown();
      replica.onApplicationShutdown();
    }
    await sleep(1200);
    for (const m of mails) {
      expect(received(m.id)).toHaveLength(1);
    }
    // Both took part: the race was real.
    const byReplica = metricValue(await replicaMetrics.scrape(), 'tessera_auth_mail_sent_total');
    const byApp = metricValue((await auth.call('GET', '/metrics')).text, 'tessera_auth_mail_sent_total') - sentBefore;
    expect(byReplica).toBeGreaterThan(0);
    expect(byApp).toBeGreaterThan(0);
    expect(byReplica + byApp).toBe(mails.length);
  });

  it('writes no link, body or recipient of a mail into the log', () => {
    const log = logLines.join('\n');
    expect(log).toContain('mail sent');
    expect(log).toContain('sending mail failed, will retry');
    expect(log).not.toContain('sEcReT-tOkEn');
    expect(log).not.toMatch(/reader-[0-9a-f]{8}@example\.com/);
  });
});

describe('mail without SMTP_URL', () => {
  let auth: AuthAppFixture;
  const logLines: string[] = [];

  beforeAll(async () => {
    auth = await startAuthApp(testDatabaseTargets()[0], { env: { LOG_LEVEL: 'info' }, logLines });
  }, BOOT_MS);

  afterAll(async () => {
    await auth?.close();
  });

  it('keeps mail queued, unsent, and says so once in the log', async () => {
    const outbox = auth.app.get(MailOutbox);
    const mail = message();
    await outbox.send(mail);
    await sleep(1500);
    const [row] = await auth.db.select().from(mailOutbox).where(eq(mailOutbox.id, mail.id));
    expect(row).toMatchObject({ sentAt: null, attempts: 0 });
    expect(
      logLines.filter((l) => l.includes('SMTP_URL is not set: mail is queued in the database but not sent')),
    ).toHaveLength(1);
  });
});
