import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Logger } from '@nestjs/common';

import { errorMessage } from '../logging/safe-error';
export interface PeriodicTaskOptions {
  /** The logger context, e.g. `Sessions`. */
  context: string;
  /** What the task does, for the warning when a run fails: `pruning finished sessions`. */
  what: string;
  everyMs: number;
}

/**
 * Housekeeping run on a timer from application bootstrap to shutdown, in every replica: the
 * task must be idempotent. A failed run is logged as a warning and the next one runs as
 * planned; the timer never keeps the process alive.
 */
export abstract class PeriodicTask implements OnApplicationBootstrap, OnApplicationShutdown {
  protected readonly logger: Logger;
  private timer?: NodeJS.Timeout;

  protected constructor(private readonly options: PeriodicTaskOptions) {
    this.logger = new Logger(options.context);
  }

  /** One run of the task; throwing is allowed and ends only this run. */
  protected abstract run(): Promise<void>;

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.runOnce(), this.options.everyMs);
    this.timer.unref();
  }

  /** Runs the task now; never rejects. */
  async runOnce(): Promise<void> {
    try {
      await this.run();
    } catch (e) {
      this.logger.warn(`${this.options.what} failed: ${errorMessage(e)}`);
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
