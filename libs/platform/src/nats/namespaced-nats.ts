import type { MsPattern, NatsOptions } from '@nestjs/microservices';
import { ClientNats, ServerNats } from '@nestjs/microservices';
import type { NatsConnection, SubscriptionOptions } from '@nats-io/transport-node';
import { namespacedSubject } from '@tessera/contracts';

type NatsTransportOptions = NonNullable<NatsOptions['options']>;

/**
 * ServerNats that subscribes to `<ns>.<pattern>` while handlers stay declared with the plain
 * subject from @tessera/contracts. Handler lookup still uses the plain pattern.
 */
export class NamespacedServerNats extends ServerNats {
  private readonly defaultQueue: string | undefined;

  constructor(
    options: NatsTransportOptions,
    private readonly namespace: string | undefined,
  ) {
    super(options);
    const queue: unknown = options.queue;
    this.defaultQueue = typeof queue === 'string' ? queue : undefined;
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
