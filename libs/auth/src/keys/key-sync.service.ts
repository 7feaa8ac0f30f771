import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Inject, Injectable } from '@nestjs/common';
import { Buckets } from '@tessera/contracts';
import type { NatsConnectionService, ReadinessService } from '@tessera/platform';

import { AUTH_NATS, AUTH_READINESS } from '../auth-nats';
import { AUTH_MODULE_OPTIONS, type ResolvedAuthOptions } from '../auth.options';
import { JwksHttpSource } from './jwks-http.source';
import { KeyStore } from './key-store';
import { openKeysBucket } from './keys-bucket';
import { KvKeySource } from './kv-key.source';
import { sharedSecretKey } from './shared-secret';

/**
 * Feeds the key store: the NATS KV watch first (no call to the issuer), the HTTP JWKS as the
 * fallback (the only source without NATS). The service is not ready until at least one key is
 * known. In HS256 mode the shared secret is the whole key set and neither source is read.
 */
@Injectable()
export class KeySyncService implements OnModuleInit, OnModuleDestroy {
  private kvSource?: KvKeySource;

  constructor(
    @Inject(AUTH_MODULE_OPTIONS) private readonly options: ResolvedAuthOptions,
    private readonly store: KeyStore,
    @Inject(AUTH_NATS) private readonly nats: NatsConnectionService | undefined,
    @Inject(AUTH_READINESS) readiness: ReadinessService,
  ) {
    if (options.sharedSecret !== undefined) {
      store.configure(undefined, options.keyRefreshIntervalSeconds * 1000);
      store.put(sharedSecretKey(options.sharedSecret));
      return;
    }
    const http = options.jwksUrl ? new JwksHttpSource(options.jwksUrl, store) : undefined;
    store.configure(http, options.keyRefreshIntervalSeconds * 1000);
    readiness.register('keys', async () => {
      if (store.size === 0) {
        await store.refreshLimited();
      }
      return store.size > 0 ? true : 'no public keys loaded yet';
    });
  }

  async onModuleInit(): Promise<void> {
    if (this.options.sharedSecret !== undefined) {
      return;
    }
    if (!this.nats) {
      // JWKS only: fetch it now, so the first request does not wait for it (readiness retries).
      await this.store.refreshLimited().catch(() => undefined);
      return;
    }
    const kv = await openKeysBucket(this.nats.nc, this.nats.bucket(Buckets.Keys), this.nats.replicas);
    this.kvSource = new KvKeySource(kv, this.store, this.options.syncCheck);
    await this.kvSource.start();
  }

  onModuleDestroy(): void {
    this.kvSource?.stop();
  }
}
