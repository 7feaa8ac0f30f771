import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Injectable, Logger } from '@nestjs/common';

import { SessionFamiliesService } from './session-families.service';

const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Deletes finished refresh families hourly, so the tables hold live sessions rather than one
 * row per refresh forever. Safe on every replica at once: the DELETE is idempotent.
 */
@Injectable()
export class SessionPruner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Sessions');
  private timer?: NodeJS.Timeout;

  constructor(private readonly families: SessionFamiliesService) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.prune(), PRUNE_INTERVAL_MS);
    // Never the reason the process stays alive.
    this.timer.unref();
  }

  async prune(): Promise<void> {
    try {
      const deleted = await this.families.prune();
      if (deleted > 0) {
        this.logger.log({ msg: 'finished sessions pruned', count: deleted });
      }
    } catch (e) {
      this.logger.warn(`pruning finished sessions failed: ${(e as Error).message}`);
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
