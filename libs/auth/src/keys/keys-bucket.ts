import type { KV } from '@nats-io/kv';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';

/**
 * Opens (creating when absent) the bucket of public keys, kid -> public JWK. Issuer and
 * verifiers call this with the same options so either may come up first.
 */
export function openKeysBucket(nc: NatsConnection, bucketName: string): Promise<KV> {
  return new Kvm(nc).create(bucketName, { history: 1 });
}
