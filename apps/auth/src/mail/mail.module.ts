import { Module } from '@nestjs/common';

import { MailMetrics } from './mail-metrics';
import { MailOutbox } from './mail-outbox.service';
import { MailSender } from './mail-sender.service';

/**
 * The mail path: MailOutbox queues a mail in the caller's transaction, MailSender sends it over
 * SMTP from every replica. Import it where a flow sends mail; inject MailOutbox.
 */
@Module({
  providers: [MailMetrics, MailOutbox, MailSender],
  exports: [MailOutbox],
})
export class MailModule {}
