import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';

import { openBucket } from './open-bucket';

/**
 * Opens (creating when absent) the bucket of public keys, kid -> public JWK. Issuer and
 * verifiers call this with the same options so either may come up first; `replicas` counts
 * only when this call creates the bucket (NATS_REPLICAS, 3 on a three-node cluster).
 */
export function openKeysBucket(nc: NatsConnection, bucketName: string, replicas = 1): Promise<KV> {
  return openBucket(nc, bucketName, { history: 1, replicas });
}
