import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import { Buckets } from '@tessera/contracts';
import type { NatsConnectionService, ReadinessService } from '@tessera/platform';

import { AUTH_NATS, AUTH_READINESS } from '../auth-nats';
import { AUTH_MODULE_OPTIONS, type ResolvedAuthOptions } from '../auth.options';
import { KvMirror } from '../sync/kv-mirror';
import { RevocationStore } from './revocation.store';
import { openRevocationsBucket, RevocationKeys } from './revocations-bucket';

/**
 * What a PUT in the revocations bucket means: `{exp}` for a token id, `{before}` for a user.
 * Only auth may write there, so any other value was written by something else (a forged
 * JetStream reply can land on a `$KV` subject and, with history 1, replace a real entry): it
 * never un-revokes. A malformed token-id entry revokes that id for the longest token lifetime;
 * a malformed user entry revokes every token the user was issued before the entry was written.
 */
export function readRevocation(
  kind: 'jti' | 'sub',
  entry: Pick<KvWatchEntry, 'json' | 'created'>,
  maxTokenLifetimeSeconds: number,
): { seconds: number; wellFormed: boolean } {
  const field = kind === 'jti' ? 'exp' : 'before';
  try {
    const value = entry.json<Record<string, unknown>>();
    const seconds = value[field];
    if (typeof seconds === 'number' && Number.isFinite(seconds)) {
      return { seconds, wellFormed: true };
    }
  } catch {
    // Not JSON: malformed, handled below.
  }
  const written = Math.ceil(entry.created.getTime() / 1000);
  return { seconds: kind === 'jti' ? written + maxTokenLifetimeSeconds : written, wellFormed: false };
}

/**
 * Watches `tessera_revocations` into the RevocationStore (through a KvMirror, which notices a
 * watch that stopped delivering and watches again). The service is not ready until the bucket
 * has been replayed; if NATS goes away, or the mirror cannot confirm it is up to date, it keeps
 * the last known state and reports itself degraded, and once that state is older than
 * `revocationMaxStalenessSeconds` verification fails closed.
 */
@Injectable()
export class RevocationSyncService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Revocations');
  private mirror?: KvMirror;
  private kv?: KV;
  private replayed = false;
  private received = 0;
  private replayTimer?: NodeJS.Timeout;

  constructor(
    @Inject(AUTH_MODULE_OPTIONS) private readonly options: ResolvedAuthOptions,
    private readonly store: RevocationStore,
    @Inject(AUTH_NATS) private readonly nats: NatsConnectionService | undefined,
    @Inject(AUTH_READINESS) readiness: ReadinessService,
  ) {
    if (options.revocation === 'off') {
      // Said explicitly (AuthModule refuses to start without NATS otherwise): tokens live until
      // they expire, and there is no revocation state to go stale.
      return;
    }
    store.staleAfter(() => this.stale());
    readiness.register('revocations', () => {
      if (!this.replayed) {
        return 'replaying revocations';
      }
      if (this.stale()) {
        return 'revocation state is stale (NATS unreachable or the watch behind the bucket)';
      }
      const behind = this.mirror?.behindForMs ?? 0;
      return behind > 0 ? { degraded: `revocations not confirmed up to date for ${Math.ceil(behind / 1000)} s` } : true;
    });
  }

  async onModuleInit(): Promise<void> {
    if (this.options.revocation === 'off' || !this.nats) {
      return;
    }
    const kv = await openRevocationsBucket(this.nats.nc, this.nats.bucket(Buckets.Revocations), this.nats.replicas);
    this.kv = kv;
    // With history 1 every key has one message: the replay is done once as many entries as
    // the bucket held have arrived, or the watcher flags an entry as a live update.
    const { values } = await kv.status();
    this.mirror = new KvMirror(
      kv,
      (entry) => {
        this.apply(entry);
        this.received++;
        if (!this.replayed && (entry.isUpdate || this.received >= values)) {
          this.markReplayed();
        }
      },
      {
        ...this.options.syncCheck,
        onRewatch: (reason) => this.logger.warn(`watching the revocations bucket again: ${reason}`),
      },
    );
    await this.mirror.start();
    if (values === 0) {
      this.markReplayed();
    } else {
      this.replayTimer = setInterval(() => void this.checkReplayed(), 1000);
    }
  }

  private markReplayed(): void {
    this.replayed = true;
    clearInterval(this.replayTimer);
  }

  /** Entries may expire while we replay; compare against what the bucket holds now. */
  private async checkReplayed(): Promise<void> {
    const values = await this.kv?.status().then(
      (s) => s.values,
      () => undefined,
    );
    if (values !== undefined && this.received >= values) {
      this.markReplayed();
    }
  }

  private stale(): boolean {
    const max = this.options.revocationMaxStalenessSeconds * 1000;
    const since = this.nats?.disconnectedSince;
    return (since !== undefined && Date.now() - since > max) || (this.mirror?.behindForMs ?? 0) > max;
  }

  private apply(entry: KvWatchEntry): void {
    const key = RevocationKeys.parse(entry.key);
    if (!key) {
      return;
    }
    if (entry.operation !== 'PUT') {
      if (key.kind === 'jti') {
        this.store.removeJti(key.id);
      } else {
        this.store.removeSubject(key.id);
      }
      return;
    }
    const revocation = readRevocation(key.kind, entry, this.options.maxTokenLifetimeSeconds);
    if (!revocation.wellFormed) {
      this.logger.warn(`malformed revocation entry ${entry.key}: treated as revoked (fail closed)`);
    }
    if (key.kind === 'jti') {
      this.store.putJti(key.id, { exp: revocation.seconds });
    } else {
      this.store.putSubject(key.id, { before: revocation.seconds });
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.replayTimer);
    this.mirror?.stop();
  }
}
