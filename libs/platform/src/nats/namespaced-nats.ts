import { performance } from 'node:perf_hooks';

import type { MsPattern, NatsContext, NatsOptions } from '@nestjs/microservices';
import { ClientNats, ServerNats } from '@nestjs/microservices';
import type { Msg, NatsConnection, SubscriptionOptions } from '@nats-io/transport-node';
import { namespacedSubject } from '@tessera/contracts';
import type { Logger } from 'pino';

import { acceptRequestId, currentRequestId, REQUEST_ID_HEADER, runInRequestContext } from '../logging/request-context';
import type { NatsMetrics } from '../metrics/nats-metrics';
import { natsOutcomeOf } from '../metrics/nats-metrics';

type NatsTransportOptions = NonNullable<NatsOptions['options']>;

/** Where a server reports each request it answered: a log line and the latency histogram. */
export interface NatsServerObserver {
  logger: Logger;
  metrics: NatsMetrics;
}

/** The final packet Nest publishes for a request: `err` set when the handler failed. */
interface ReplyPacket {
  err?: unknown;
  isDisposed?: boolean;
}

const errorStatus = (err: unknown): number | undefined => {
  if (err === undefined) {
    return undefined;
  }
  const status: unknown = typeof err === 'object' && err !== null ? Reflect.get(err, 'status') : undefined;
  return typeof status === 'number' ? status : 500;
};

/**
 * ServerNats that subscribes to `<ns>.<pattern>` while handlers stay declared with the plain
 * subject from @tessera/contracts. Handler lookup still uses the plain pattern.
 */
export class NamespacedServerNats extends ServerNats {
  private readonly defaultQueue: string | undefined;

  /** Subjects as received (namespaced) to the subject served, made once each. */
  private readonly plainSubjects = new Map<string, string>();

  constructor(
    options: NatsTransportOptions,
    private readonly namespace: string | undefined,
    private readonly observer?: NatsServerObserver,
  ) {
    super(options);
    const queue: unknown = options.queue;
    this.defaultQueue = typeof queue === 'string' ? queue : undefined;
  }

  /**
   * Handles each message in a request context whose id is the caller's `x-request-id` header
   * (when acceptable; else a new one), so the handler's logs and the requests it sends on carry
   * it: one request can be followed through every service it reaches.
   */
  override handleMessage(channel: string, natsMsg: Msg): Promise<unknown> {
    const requestId = acceptRequestId(natsMsg.headers?.get(REQUEST_ID_HEADER));
    return runInRequestContext({ requestId }, () => super.handleMessage(channel, natsMsg));
  }

  /** Times each request from its handler being looked up to its reply, and logs one line for it. */
  override getPublisher(natsMsg: Msg, id: string, ctx: NatsContext): (response: unknown) => unknown {
    const publish: (response: unknown) => unknown = super.getPublisher(natsMsg, id, ctx);
    const observer = this.observer;
    if (!observer) {
      return publish;
    }
    const started = performance.now();
    const subject = this.plainSubject(ctx.getSubject());
    const requestId = currentRequestId();
    return (response: unknown) => {
      const packet = response as ReplyPacket;
      if (packet.isDisposed) {
        const status = errorStatus(packet.err);
        const outcome = natsOutcomeOf(status);
        const elapsed = performance.now() - started;
        observer.metrics.handled(subject, outcome, elapsed / 1000);
        observer.logger.info(
          {
            requestId,
            subject,
            outcome,
            ...(status !== undefined ? { status } : {}),
            durationMs: Math.round(elapsed * 100) / 100,
          },
          'nats request handled',
        );
      }
      return publish(response);
    };
  }

  private plainSubject(received: string): string {
    let plain = this.plainSubjects.get(received);
    if (plain === undefined) {
      const prefix = this.namespace ? `${this.namespace}.` : '';
      plain = received.startsWith(prefix) ? received.slice(prefix.length) : received;
      this.plainSubjects.set(received, plain);
    }
    return plain;
  }

  override bindEvents(client: NatsConnection): void {
    for (const [channel, handler] of this.messageHandlers) {
      const own: unknown = handler.extras?.queue;
      const queue = typeof own === 'string' ? own : this.defaultQueue;
      client.subscribe(namespacedSubject(this.namespace, channel), {
        queue,
        callback: this.getMessageHandler(channel).bind(this) as NonNullable<SubscriptionOptions['callback']>,
      });
    }
  }
}

/** ClientNats that publishes to `<ns>.<pattern>`, the mirror of NamespacedServerNats. */
export class NamespacedClientNats extends ClientNats {
  constructor(
    options: NatsTransportOptions,
    private readonly namespace: string | undefined,
  ) {
    super(options);
  }

  protected override normalizePattern(pattern: MsPattern): string {
    return namespacedSubject(this.namespace, super.normalizePattern(pattern));
  }
}
