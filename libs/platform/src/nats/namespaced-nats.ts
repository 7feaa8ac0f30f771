import type { NatsOptions } from '@nestjs/microservices';
import { ClientNats, ServerNats } from '@nestjs/microservices';
import type { NatsConnection } from '@nats-io/transport-node';
import { namespacedSubject } from '@tessera/contracts';

type NatsTransportOptions = NonNullable<NatsOptions['options']>;

/**
 * ServerNats that subscribes to `<ns>.<pattern>` while handlers stay declared with the plain
 * subject from @tessera/contracts. Handler lookup still uses the plain pattern.
 */
export class NamespacedServerNats extends ServerNats {
  constructor(
    private readonly transportOptions: NatsTransportOptions,
    private readonly namespace: string | undefined,
  ) {
    super(transportOptions);
  }

  override bindEvents(client: NatsConnection): void {
    for (const [channel, handler] of this.messageHandlers) {
      const queue = (handler.extras?.queue as string | undefined) ?? this.transportOptions.queue;
      client.subscribe(namespacedSubject(this.namespace, channel), {
        queue,
        callback: this.getMessageHandler(channel).bind(this),
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

  protected override normalizePattern(pattern: Parameters<ClientNats['send']>[0]): string {
    return namespacedSubject(this.namespace, super.normalizePattern(pattern));
  }
}
