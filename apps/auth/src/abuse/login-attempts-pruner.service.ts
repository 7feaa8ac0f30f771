import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Injectable, Logger } from '@nestjs/common';

import { LoginAttemptsService } from './login-attempts.service';

const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Deletes stale sign-in counters hourly: every unknown email tried adds a row, so without this
 * the table would grow with an attacker's word list. Idempotent, safe on every replica.
 */
@Injectable()
export class LoginAttemptsPruner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('LoginAbuse');
  private timer?: NodeJS.Timeout;

  constructor(private readonly attempts: LoginAttemptsService) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.prune(), PRUNE_INTERVAL_MS);
    // Never the reason the process stays alive.
    this.timer.unref();
  }

  async prune(): Promise<void> {
    try {
      const deleted = await this.attempts.prune();
      if (deleted > 0) {
        this.logger.log({ msg: 'stale sign-in counters pruned', count: deleted });
      }
    } catch (e) {
      this.logger.warn(`pruning sign-in counters failed: ${(e as Error).message}`);
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
