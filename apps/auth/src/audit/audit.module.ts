import { Global, Module } from '@nestjs/common';

import { AuditTrail } from './audit-trail.service';
import { SecurityMetrics } from './security-metrics';

/** The audit trail and its counters, for every module that records security events. */
@Global()
@Module({
  providers: [AuditTrail, SecurityMetrics],
  exports: [AuditTrail, SecurityMetrics],
})
export class AuditModule {}
