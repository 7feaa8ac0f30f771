import { Inject, Injectable } from '@nestjs/common';
import type { KV, KvEntry } from '@nats-io/kv';
import { Buckets } from '@tessera/contracts';
import type { NatsConnectionService } from '@tessera/platform';

import { AUTH_NATS } from '../auth-nats';
import { RevocationStore } from './revocation.store';
import { openRevocationsBucket, RevocationKeys } from './revocations-bucket';

/**
 * Writes revocations into the bucket (the issuer's outbox relay delivers them through it). Each
 * call returns once the KV put is acknowledged by JetStream, so every service watching the
 * bucket will honour it without asking the issuer; the local store is updated as well.
 */
@Injectable()
export class RevocationPublisher {
  private kv?: Promise<KV>;

  constructor(
    @Inject(AUTH_NATS) private readonly nats: NatsConnectionService | undefined,
    private readonly store: RevocationStore,
  ) {}

  private bucket(): Promise<KV> {
    const nats = this.nats;
    if (!nats) {
      return Promise.reject(new Error('revocations are published over NATS, and this AuthModule has none'));
    }
    this.kv ??= openRevocationsBucket(nats.nc, nats.bucket(Buckets.Revocations), nats.replicas);
    // A failed open (NATS or its JetStream leader briefly away) is not kept: the next revocation
    // tries again, rather than every logout failing until the issuer restarts.
    const kv = this.kv;
    return kv.catch((e: unknown) => {
      if (this.kv === kv) {
        this.kv = undefined;
      }
      throw e;
    });
  }

  /** Revokes one access token until its own expiry. */
  async revokeToken(jti: string, exp: number): Promise<void> {
    const kv = await this.bucket();
    await kv.put(RevocationKeys.jti(jti), JSON.stringify({ exp }));
    this.store.putJti(jti, { exp });
  }

  /**
   * Revokes every token of `sub` issued at or before `before` (seconds since the epoch). An
   * entry already later than `before` stays: a revocation published late (retried after a NATS
   * fault) never shortens a newer one.
   */
  async revokeSubject(sub: string, before = Math.floor(Date.now() / 1000)): Promise<void> {
    const kv = await this.bucket();
    const key = RevocationKeys.subject(sub);
    const current = await kv.get(key);
    if (!(current?.operation === 'PUT' && knownBefore(current) >= before)) {
      await kv.put(key, JSON.stringify({ before }));
    }
    this.store.putSubject(sub, { before });
  }
}

function knownBefore(entry: KvEntry): number {
  try {
    const { before } = entry.json<{ before?: unknown }>();
    return typeof before === 'number' && Number.isFinite(before) ? before : Number.NEGATIVE_INFINITY;
  } catch {
    return Number.NEGATIVE_INFINITY;
  }
}
