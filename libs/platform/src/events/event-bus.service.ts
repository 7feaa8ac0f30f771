import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Injectable, Logger } from '@nestjs/common';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstreamManager,
  type ConsumerMessages,
  type JetStreamManager,
  type JsMsg,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { EVENT_SUBJECTS, Streams } from '@tessera/contracts';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';

import { ReadinessService } from '../health/readiness.service';
import { errorMessage } from '../logging/safe-error';
import { NatsConnectionService } from '../nats/nats-connection.service';
import { PULL_OPTIONS, SupervisedConsumer } from './supervised-consumer';

const DAY_NS = 24 * 60 * 60 * 1e9;
const SECOND_NS = 1e9;
/** JetStream API calls made to open a pull again: short, so an attempt lost in a fault is retried soon. */
const JS_API_TIMEOUT_MS = 2_000;

export interface EventSubscription<T extends object> {
  subject: string;
  /** Durable consumer name: one per (service, subject); replicas of a service share it. */
  durable: string;
  type: new () => T;
  /** Resolve to acknowledge; throw to have the event redelivered later. Must be idempotent. */
  handle(event: T): Promise<void>;
}

/**
 * Durable events over JetStream. `publish` returns once the server has stored the event (so a
 * consumer that is down will still get it); `subscribe` binds a durable pull consumer that
 * replays what was missed, validates every payload against its contract class, acknowledges on
 * success and asks for redelivery on failure.
 */
@Injectable()
export class EventBus implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Events');
  private stream?: Promise<void>;
  private readonly consumers: SupervisedConsumer[] = [];

  constructor(
    private readonly nats: NatsConnectionService,
    private readonly readiness: ReadinessService,
  ) {}

  private get streamName(): string {
    return this.nats.bucket(Streams.Events);
  }

  /**
   * Makes sure the stream exists before the app reports ready. Not fatal: where the NATS user may
   * not manage streams (only auth may, see docker/nats/nats.conf) the stream is auth's to make,
   * and publish/subscribe try again.
   */
  async onApplicationBootstrap(): Promise<void> {
    await this.ensureStream().catch((e: unknown) =>
      this.logger.warn(`events stream ${this.streamName} not ready yet: ${errorMessage(e)}`),
    );
  }

  /**
   * Creates the events stream, or brings its subjects up to date. Same config in every service.
   * Looks first, so a service whose NATS user may only read stream info goes on when the
   * stream is already as it should be.
   */
  private ensureStream(timeoutMs?: number): Promise<void> {
    this.stream ??= (async () => {
      const jsm = await jetstreamManager(this.nats.nc, timeoutMs === undefined ? undefined : { timeout: timeoutMs });
      const subjects = EVENT_SUBJECTS.map((s) => this.nats.subject(s));
      const current = await jsm.streams.info(this.streamName).catch((e: unknown) => {
        if (e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamNotFound) {
          return undefined;
        }
        throw e;
      });
      const have = new Set(current?.config.subjects ?? []);
      if (current && have.size === subjects.length && subjects.every((s) => have.has(s))) {
        return;
      }
      const config = {
        name: this.streamName,
        subjects,
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        max_age: 7 * DAY_NS,
        duplicate_window: 120 * SECOND_NS,
        num_replicas: this.nats.replicas,
      };
      try {
        await jsm.streams.add(config);
      } catch (e) {
        if (!(e instanceof JetStreamApiError)) {
          throw e;
        }
        // Already there (another service or replica made it): align its subjects.
        await jsm.streams.update(this.streamName, { subjects });
      }
    })().catch((e: unknown) => {
      this.stream = undefined;
      throw e;
    });
    return this.stream;
  }

  /** Stores the event durably; `id` deduplicates a retried publish within two minutes. */
  async publish(subject: string, event: object, id: string): Promise<void> {
    await this.ensureStream();
    await jetstream(this.nats.nc).publish(this.nats.subject(subject), JSON.stringify(event), { msgID: id });
  }

  /**
   * Binds the durable consumer and keeps it pulling (see SupervisedConsumer): a pull that dies
   * with a NATS node, or a consumer deleted under it, is opened again within seconds of
   * JetStream answering, and readiness reports `events` degraded while it is not consuming.
   */
  async subscribe<T extends object>(subscription: EventSubscription<T>): Promise<void> {
    const durable = subscription.durable.replace(/[^A-Za-z0-9_-]/g, '_');
    const consumer = new SupervisedConsumer(
      durable,
      (again) => this.pull(subscription, durable, again),
      (message) => this.deliver(subscription, message),
      this.logger,
    );
    await consumer.start();
    this.consumers.push(consumer);
    if (this.consumers.length === 1) {
      this.readiness.register('events', () => {
        const stalled = this.consumers.filter((c) => c.notConsumingSince !== undefined);
        return stalled.length === 0
          ? true
          : {
              degraded: stalled
                .map((c) => `${c.name} not consuming since ${new Date(c.notConsumingSince!).toISOString()}`)
                .join('; '),
            };
      });
    }
  }

  /** Ensures the stream and the durable consumer (again, after a fault) and opens a pull on it. */
  private async pull<T extends object>(
    subscription: EventSubscription<T>,
    durable: string,
    again: boolean,
  ): Promise<ConsumerMessages> {
    // At start, the usual patience (a new consumer on three replicas takes its time); after a
    // fault, short timeouts and the stream checked afresh, as it may be what went missing.
    const timeout = again ? { timeout: JS_API_TIMEOUT_MS } : undefined;
    if (again) {
      this.stream = undefined;
    }
    await this.ensureStream(timeout?.timeout);
    const jsm: JetStreamManager = await jetstreamManager(this.nats.nc, timeout);
    const config = {
      durable_name: durable,
      filter_subject: this.nats.subject(subscription.subject),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: 30 * SECOND_NS,
      max_deliver: 20,
    };
    try {
      await jsm.consumers.add(this.streamName, config);
    } catch (e) {
      if (!(e instanceof JetStreamApiError)) {
        throw e;
      }
      await jsm.consumers.update(this.streamName, durable, {
        ack_wait: config.ack_wait,
        max_deliver: config.max_deliver,
      });
    }
    const consumer = await jetstream(this.nats.nc, timeout).consumers.get(this.streamName, durable);
    return consumer.consume({ ...PULL_OPTIONS });
  }

  /** Validates, hands over and acknowledges one event; asks for redelivery when the handler fails. */
  private async deliver<T extends object>(subscription: EventSubscription<T>, message: JsMsg): Promise<void> {
    let event: T;
    try {
      event = plainToInstance(subscription.type, message.json<object>());
      const errors = await validate(event, { whitelist: true, forbidNonWhitelisted: true });
      if (errors.length > 0) {
        throw new Error(`invalid payload (${errors.map((e) => e.property).join(', ')})`);
      }
    } catch (e) {
      // A malformed event will never become valid: drop it, loudly.
      this.logger.warn(`event on ${subscription.subject} dropped: ${errorMessage(e)}`);
      message.term();
      return;
    }
    try {
      await subscription.handle(event);
      message.ack();
    } catch (e) {
      this.logger.warn(`event on ${subscription.subject} failed, will be redelivered: ${errorMessage(e)}`);
      message.nak(5000);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.close()));
  }
}
