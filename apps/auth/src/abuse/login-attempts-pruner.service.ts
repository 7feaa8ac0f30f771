import { Injectable } from '@nestjs/common';
import { PeriodicTask } from '@tessera/platform';

import { LoginAttemptsService } from './login-attempts.service';

/**
 * Deletes stale sign-in counters hourly: every unknown email tried adds a row, so without this
 * the table would grow with an attacker's word list. Idempotent, safe on every replica.
 */
@Injectable()
export class LoginAttemptsPruner extends PeriodicTask {
  constructor(private readonly attempts: LoginAttemptsService) {
    super({ context: 'LoginAbuse', what: 'pruning sign-in counters', everyMs: 60 * 60 * 1000 });
  }

  protected async run(): Promise<void> {
    const deleted = await this.attempts.prune();
    if (deleted > 0) {
      this.logger.log({ msg: 'stale sign-in counters pruned', count: deleted });
    }
  }
}
