import { Module } from '@nestjs/common';

import { KeysCoreModule } from '../keys/keys-core.module';
import { DeviceTrust } from './device-trust.service';
import { LoginAttemptsService } from './login-attempts.service';
import { LoginAttemptsPruner } from './login-attempts-pruner.service';
import { ThrottleRefusals } from './throttle-refusals';

/**
 * Sign-in throttling shared by every route that checks a password (login, password change):
 * the counters, the device cookies that exempt a known device from the crowd's, and the
 * aggregated audit of refusals.
 */
@Module({
  imports: [KeysCoreModule],
  providers: [LoginAttemptsService, LoginAttemptsPruner, ThrottleRefusals, DeviceTrust],
  exports: [LoginAttemptsService, ThrottleRefusals, DeviceTrust],
})
export class AbuseModule {}
