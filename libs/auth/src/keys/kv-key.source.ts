import { Logger } from '@nestjs/common';
import type { KV, KvWatchEntry } from '@nats-io/kv';

import { KvMirror, type KvMirrorOptions } from '../sync/kv-mirror';
import type { KeyStore } from './key-store';
import { parsePublicJwk } from './public-jwk';

/**
 * Mirrors the NATS KV bucket of public keys into the key store: the issuer publishes a key
 * there before signing with it, so verifiers learn it without calling the issuer. The KvMirror
 * watches again when a watch stops delivering, so a withdrawn key does not linger.
 */
export class KvKeySource {
  private readonly logger = new Logger('KvKeys');
  private mirror?: KvMirror;

  constructor(
    private readonly kv: KV,
    private readonly store: KeyStore,
    private readonly syncCheck: KvMirrorOptions = {},
  ) {}

  async start(): Promise<void> {
    this.mirror = new KvMirror(this.kv, (entry) => this.apply(entry), {
      ...this.syncCheck,
      onRewatch: (reason) => this.logger.warn(`watching the keys bucket again: ${reason}`),
    });
    await this.mirror.start();
  }

  private apply(entry: KvWatchEntry): void {
    if (entry.operation !== 'PUT') {
      this.store.remove(entry.key);
      return;
    }
    try {
      const key = parsePublicJwk(entry.json());
      if (key.kid !== entry.key) {
        throw new Error('kid does not match its bucket key');
      }
      this.store.put(key, entry.created.getTime());
    } catch (e) {
      this.logger.warn(`key ${entry.key} skipped: ${(e as Error).message}`);
    }
  }

  stop(): void {
    this.mirror?.stop();
  }
}
