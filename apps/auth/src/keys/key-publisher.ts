import { Injectable } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import { openKeysBucket } from '@tessera/auth';
import { Buckets } from '@tessera/contracts';
import { NatsConnectionService } from '@tessera/platform';

import type { PublishedJwk } from './key-material';

/** Where public keys are published for verifiers. A class, so tests can stand in for NATS. */
export abstract class KeyPublisher {
  abstract publish(jwk: PublishedJwk): Promise<void>;
  /** Withdraws a retired key once nothing it signed can still be valid. */
  abstract unpublish(kid: string): Promise<void>;
}

/** The NATS KV bucket `tessera_keys` (kid -> public JWK) that every verifier watches. */
@Injectable()
export class NatsKeyPublisher extends KeyPublisher {
  private bucket?: Promise<KV>;

  constructor(private readonly nats: NatsConnectionService) {
    super();
  }

  async publish(jwk: PublishedJwk): Promise<void> {
    await (await this.kv()).put(jwk.kid, JSON.stringify(jwk));
  }

  async unpublish(kid: string): Promise<void> {
    await (await this.kv()).delete(kid);
  }

  private kv(): Promise<KV> {
    this.bucket ??= openKeysBucket(this.nats.nc, this.nats.bucket(Buckets.Keys), this.nats.replicas);
    return this.bucket.catch((e: unknown) => {
      this.bucket = undefined;
      throw e;
    });
  }
}
