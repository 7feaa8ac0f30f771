import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';

import { openBucket } from './open-bucket';

/**
 * Opens (creating when absent) the bucket of public keys, kid -> public JWK. Issuer and
 * verifiers call this with the same options so either may come up first.
 */
export function openKeysBucket(nc: NatsConnection, bucketName: string): Promise<KV> {
  return openBucket(nc, bucketName, { history: 1 });
}
