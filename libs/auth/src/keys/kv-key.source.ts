import { Logger } from '@nestjs/common';
import type { KvWatchEntry } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/transport-node';

import type { KeyStore } from './key-store';
import { parsePublicJwk } from './public-jwk';
import type { KV } from '@nats-io/kv';

/**
 * Mirrors the NATS KV bucket of public keys into the key store: the issuer publishes a key
 * there before signing with it, so verifiers learn it without calling the issuer.
 */
export class KvKeySource {
  private readonly logger = new Logger('KvKeys');
  private watcher?: QueuedIterator<KvWatchEntry>;

  constructor(
    private readonly kv: KV,
    private readonly store: KeyStore,
  ) {}

  async start(): Promise<void> {
    const watcher = await this.kv.watch();
    this.watcher = watcher;
    void (async () => {
      for await (const entry of watcher) {
        this.apply(entry);
      }
    })();
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
    this.watcher?.stop();
  }
}
