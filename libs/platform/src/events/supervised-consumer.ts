import type { Logger } from '@nestjs/common';
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';

import { errorMessage } from '../logging/safe-error';

/**
 * How a consumer pulls: up to 16 messages at a time; a pull request lives 5 s and, while it has
 * nothing to deliver, the server sends a heartbeat every second. Short on purpose: a pull lost
 * with the node that held it shows within seconds, not after the library's 30 s default.
 */
export const PULL_OPTIONS = { max_messages: 16, expires: 5_000, idle_heartbeat: 1_000 } as const;

export interface SupervisionTimings {
  /** Silence (no message, no heartbeat, no handler at work) after which the pull counts as dead. */
  stallMs: number;
  /** The same for a pull just opened again, which should give its first heartbeat within one. */
  firstSignMs: number;
  /** How often the silence is looked at. */
  watchMs: number;
  /** Waits between attempts to pull again, the last one repeated. */
  backoffMs: readonly number[];
}

/** Three missed heartbeats (two after pulling again); attempts to pull again at most a second apart. */
export const SUPERVISION: SupervisionTimings = {
  stallMs: 3_000,
  firstSignMs: 2_000,
  watchMs: 250,
  backoffMs: [100, 250, 500, 1_000],
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

/**
 * One durable consumer's pull, watched. The pull of @nats-io/jetstream can go quiet for good
 * when every NATS node restarts: the pull request dies with the server that held it and, after
 * the reconnect, the library waits a whole `expires` between its checks while JetStream elects
 * its leaders again, with its own heartbeat monitor switched off meanwhile. So this keeps its own
 * watch: a heartbeat, a message or a handler at work is a sign of life; missed heartbeats, the
 * consumer or stream gone, the pull ended, or silence longer than `stallMs` mean it is not
 * consuming. Then the pull is closed and opened again (`open` ensures the stream and the durable
 * consumer first), with backoff, until it gives a sign of life. `notConsumingSince` says, for
 * readiness, since when nothing has come through.
 */
export class SupervisedConsumer {
  private messages?: ConsumerMessages;
  private lastSign = Date.now();
  private busy = false;
  private restarting?: Promise<void>;
  private watchdog?: NodeJS.Timeout;
  private closed = false;
  /** When it was last known to be consuming (ms since the epoch), while it is not; else undefined. */
  notConsumingSince?: number;

  constructor(
    readonly name: string,
    /** Opens a pull; `again` after a fault (the first one at start, with the start's patience). */
    private readonly open: (again: boolean) => Promise<ConsumerMessages>,
    private readonly handle: (message: JsMsg) => Promise<void>,
    private readonly logger: Pick<Logger, 'warn' | 'log'>,
    private readonly timings: SupervisionTimings = SUPERVISION,
  ) {}

  /** Opens the first pull; a failure here is the caller's, as when the service starts. */
  async start(): Promise<void> {
    this.run(await this.open(false));
    this.watchdog = setInterval(() => this.watch(), this.timings.watchMs);
    this.watchdog.unref();
  }

  private run(messages: ConsumerMessages): void {
    this.messages = messages;
    this.lastSign = Date.now();
    void this.follow(messages);
    void this.deliver(messages);
  }

  /** The pull's status notifications: heartbeats, and the ones that say it is not consuming. */
  private async follow(messages: ConsumerMessages): Promise<void> {
    for await (const status of messages.status()) {
      if (messages !== this.messages) {
        return;
      }
      switch (status.type) {
        case 'heartbeat':
          this.alive(messages);
          break;
        case 'heartbeats_missed':
          // A handler that takes longer than two heartbeats is work, not a dead pull.
          if (!this.busy) {
            this.stalled(`${status.count} heartbeats missed`);
          }
          break;
        case 'consumer_not_found':
        case 'consumer_deleted':
        case 'stream_not_found':
        case 'no_responders':
          this.stalled(status.type.replace(/_/g, ' '));
          break;
        default:
        // next, discard, debug...: the library's own bookkeeping of pull requests.
      }
    }
  }

  private async deliver(messages: ConsumerMessages): Promise<void> {
    for await (const message of messages) {
      const current = messages === this.messages;
      this.busy = current;
      this.alive(messages);
      try {
        await this.handle(message);
      } catch (e) {
        this.logger.warn(`event for ${this.name} not handled: ${errorMessage(e)}`);
      } finally {
        if (current) {
          this.busy = false;
        }
        this.alive(messages);
      }
    }
    // Closed here, or stopped by the library (a refused pull, the connection closed for good).
    if (messages === this.messages) {
      this.stalled('the pull ended');
    }
  }

  private alive(messages: ConsumerMessages): void {
    if (messages !== this.messages) {
      return;
    }
    this.lastSign = Date.now();
    if (this.notConsumingSince !== undefined) {
      this.logger.log(`${this.name} consuming again after ${this.lastSign - this.notConsumingSince} ms`);
      this.notConsumingSince = undefined;
    }
  }

  private watch(): void {
    const silent = Date.now() - this.lastSign;
    const limit = this.notConsumingSince === undefined ? this.timings.stallMs : this.timings.firstSignMs;
    if (!this.busy && silent > limit) {
      this.stalled(`no heartbeat for ${silent} ms`);
    }
  }

  private stalled(reason: string): void {
    if (this.closed || this.restarting) {
      return;
    }
    if (this.notConsumingSince === undefined) {
      this.notConsumingSince = this.lastSign;
      this.logger.warn(`${this.name} is not consuming (${reason}): pulling again`);
    }
    this.restarting = this.restart().finally(() => {
      this.restarting = undefined;
    });
  }

  private async restart(): Promise<void> {
    const old = this.messages;
    this.messages = undefined;
    this.busy = false;
    void old?.close().catch(() => undefined);
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        const messages = await this.open(true);
        if (this.closed) {
          void messages.close().catch(() => undefined);
          return;
        }
        this.run(messages);
        return;
      } catch (e) {
        if (attempt === 0) {
          this.logger.warn(`${this.name}: pulling again failed, retrying: ${errorMessage(e)}`);
        }
        await sleep(this.timings.backoffMs[Math.min(attempt, this.timings.backoffMs.length - 1)]);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watchdog);
    await this.restarting;
    const messages = this.messages;
    this.messages = undefined;
    await messages?.close().catch(() => undefined);
  }
}
