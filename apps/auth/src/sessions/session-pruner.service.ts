import { Injectable } from '@nestjs/common';
import { PeriodicTask } from '@tessera/platform';

import { SessionFamiliesService } from './session-families.service';

/**
 * Deletes finished refresh families hourly, so the tables hold live sessions rather than one
 * row per refresh forever. Safe on every replica at once: the DELETE is idempotent.
 */
@Injectable()
export class SessionPruner extends PeriodicTask {
  constructor(private readonly families: SessionFamiliesService) {
    super({ context: 'Sessions', what: 'pruning finished sessions', everyMs: 60 * 60 * 1000 });
  }

  protected async run(): Promise<void> {
    const deleted = await this.families.prune();
    if (deleted > 0) {
      this.logger.log({ msg: 'finished sessions pruned', count: deleted });
    }
  }
}
