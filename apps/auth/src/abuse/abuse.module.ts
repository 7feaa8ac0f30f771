import { Module } from '@nestjs/common';

import { LoginAttemptsService } from './login-attempts.service';
import { LoginAttemptsPruner } from './login-attempts-pruner.service';

/** Sign-in throttling shared by every route that checks a password (login, password change). */
@Module({
  providers: [LoginAttemptsService, LoginAttemptsPruner],
  exports: [LoginAttemptsService],
})
export class AbuseModule {}
