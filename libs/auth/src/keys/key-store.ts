import { Injectable } from '@nestjs/common';

import type { VerificationKey } from './public-jwk';

/** Something that can be asked to fetch the key set again (the HTTP JWKS fallback). */
export interface KeyRefresher {
  refresh(): Promise<void>;
}

/**
 * The in-memory key cache verification reads from: fed by the NATS KV watch and the HTTP JWKS
 * fallback. An unknown `kid` triggers at most one refresh per interval, however many tokens
 * with made-up `kid`s arrive, so a flood cannot turn into a flood of JWKS fetches.
 */
@Injectable()
export class KeyStore {
  private readonly keys = new Map<string, VerificationKey>();
  /** When each key was published (when unknown: first loaded here), in ms since the epoch. */
  private readonly since = new Map<string, number>();
  private refresher?: KeyRefresher;
  private lastRefreshAt = Number.NEGATIVE_INFINITY;
  private inflight?: Promise<void>;
  private refreshIntervalMs = 30_000;
  private readonly removalListeners: (() => void)[] = [];
  /** Number of refreshes actually started (observable for tests and metrics). */
  refreshCount = 0;

  configure(refresher: KeyRefresher | undefined, refreshIntervalMs: number): void {
    this.refresher = refresher;
    this.refreshIntervalMs = refreshIntervalMs;
  }

  get size(): number {
    return this.keys.size;
  }

  /** `publishedAt` (ms since the epoch): when the issuer published it, if the source knows. */
  put(key: VerificationKey, publishedAt?: number): void {
    this.keys.set(key.kid, key);
    this.since.set(key.kid, publishedAt ?? this.since.get(key.kid) ?? Date.now());
  }

  /**
   * Seconds since the newest key of the set was published (or loaded, for a source that does
   * not say); undefined while the set is empty. A rotation brings it back near zero.
   */
  newestKeyAgeSeconds(now = Date.now()): number | undefined {
    let newest: number | undefined;
    for (const at of this.since.values()) {
      newest = newest === undefined ? at : Math.max(newest, at);
    }
    return newest === undefined ? undefined : Math.max(0, (now - newest) / 1000);
  }

  remove(kid: string): void {
    this.since.delete(kid);
    if (this.keys.delete(kid)) {
      this.removalListeners.forEach((listener) => listener());
    }
  }

  /** Called whenever a key disappears (e.g. retired), so caches of what it verified can go. */
  onRemove(listener: () => void): void {
    this.removalListeners.push(listener);
  }

  get(kid: string): VerificationKey | undefined {
    return this.keys.get(kid);
  }

  /** The key for `kid`, refreshing the set (rate-limited) when it is unknown. */
  async find(kid: string): Promise<VerificationKey | undefined> {
    const known = this.keys.get(kid);
    if (known) {
      return known;
    }
    await this.refreshLimited();
    return this.keys.get(kid);
  }

  /** Refreshes now unless a refresh ran within the interval; concurrent callers share one. */
  async refreshLimited(): Promise<void> {
    if (!this.refresher) {
      return;
    }
    if (this.inflight) {
      return this.inflight;
    }
    const now = Date.now();
    if (now - this.lastRefreshAt < this.refreshIntervalMs) {
      return;
    }
    this.lastRefreshAt = now;
    this.refreshCount++;
    this.inflight = this.refresher.refresh().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }
}
