import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { REVOCATION_TTL_SECONDS } from '@tessera/contracts';

import { openBucket } from '../keys/open-bucket';

/** A revoked access token: rejected until its own `exp`. */
export interface JtiRevocation {
  exp: number;
}

/** Every token of a subject issued at or before `before` (seconds) is revoked. */
export interface SubjectRevocation {
  before: number;
}

/**
 * KV keys: `jti.<jti>` and `sub.<base64url(sub)>` (a `sub` such as `client:orders` holds
 * characters KV keys may not).
 */
export const RevocationKeys = {
  jti: (jti: string) => `jti.${Buffer.from(jti).toString('base64url')}`,
  subject: (sub: string) => `sub.${Buffer.from(sub).toString('base64url')}`,
  parse(key: string): { kind: 'jti' | 'sub'; id: string } | undefined {
    const dot = key.indexOf('.');
    const kind = key.slice(0, dot);
    if (dot < 0 || (kind !== 'jti' && kind !== 'sub')) {
      return undefined;
    }
    return { kind, id: Buffer.from(key.slice(dot + 1), 'base64url').toString('utf8') };
  },
};

/**
 * Opens (creating when absent) the revocations bucket; issuer and verifiers use the same options.
 * `replicas` counts only when this call creates the bucket (NATS_REPLICAS). Entries outlive any
 * token a verifier accepts (REVOCATION_TTL_SECONDS in libs/contracts/src/lifetimes.ts), so one
 * never disappears while a token it revokes could still be valid.
 */
export function openRevocationsBucket(nc: NatsConnection, bucketName: string, replicas = 1): Promise<KV> {
  return openBucket(nc, bucketName, { history: 1, ttl: REVOCATION_TTL_SECONDS * 1000, replicas });
}
