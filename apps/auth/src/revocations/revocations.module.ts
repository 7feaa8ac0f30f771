import { Module } from '@nestjs/common';

import { RevocationQueue } from './revocation-queue.service';
import { RevocationRelay } from './revocation-relay.service';

/**
 * Revocations through the transactional outbox, for the app and the operator CLI alike: the
 * queue the sessions and accounts write to, and the relay's sink into the revocations bucket.
 */
@Module({
  providers: [RevocationQueue, RevocationRelay],
  exports: [RevocationQueue],
})
export class RevocationsModule {}
