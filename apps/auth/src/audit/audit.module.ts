import { Global, Module } from '@nestjs/common';

import { AuditTrail } from './audit-trail.service';

/** The audit trail, for every module that records security events. */
@Global()
@Module({
  providers: [AuditTrail],
  exports: [AuditTrail],
})
export class AuditModule {}
