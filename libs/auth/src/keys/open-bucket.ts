import { JetStreamApiError } from '@nats-io/jetstream';
import type { KV, KvOptions } from '@nats-io/kv';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';

const ATTEMPTS = 3;

/**
 * Opens a KV bucket, creating it when absent. Replicas and services start together, so two of
 * them may create the same bucket at the same moment; the server then answers the loser with a
 * JetStream API error (e.g. "subjects overlap with an existing stream"). The bucket exists by
 * then, so the loser simply asks again.
 */
export async function openBucket(nc: NatsConnection, name: string, options: Partial<KvOptions>): Promise<KV> {
  const kvm = new Kvm(nc);
  for (let attempt = 1; ; attempt++) {
    try {
      return await kvm.create(name, options);
    } catch (e) {
      if (attempt >= ATTEMPTS || !(e instanceof JetStreamApiError)) {
        throw e;
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}
