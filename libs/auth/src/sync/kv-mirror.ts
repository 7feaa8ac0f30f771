import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/transport-node';

export interface KvMirrorOptions {
  /** How often the bucket's newest sequence is compared with the newest one received. */
  checkIntervalMs?: number;
  /** How long the mirror may lag (deliveries in flight) before it watches again. */
  graceMs?: number;
  /** Told (once per episode) when the watch is restarted; never given entry contents. */
  onRewatch?: (reason: string) => void;
}

/** The longest a check waits for the bucket's state or for a new watch to open. */
const WATCH_TIMEOUT_MS = 5000;

/**
 * How long past its interval a check may take to answer before the mirror counts as not up to
 * date. A frozen or partitioned node keeps the connection open and answers nothing, so a check
 * that has not answered by then is reported at once, not only when its request times out.
 */
const ANSWER_MS = 1000;

/** The promise's value, or undefined once `ms` have passed (the promise itself goes on). */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<undefined>((r) => (timer = setTimeout(r, ms, undefined)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Watches a KV bucket into memory and makes sure the watch keeps delivering. A watch is an
 * ordered consumer that lives on one JetStream node. When that node dies while this client
 * stays connected to another, nothing tells the client: nats.js notices only after missed
 * heartbeats (about 90 s, measured on a three-node cluster), and every update in between is
 * silently not delivered. For the revocations bucket that is a revoked token still accepted.
 * So every few seconds the mirror asks the bucket for its newest sequence; behind it (or unable
 * to ask) for longer than the grace period, it watches again from the revision after the last
 * one received, on whichever node now serves the stream.
 */
export class KvMirror {
  private watcher?: QueuedIterator<KvWatchEntry>;
  private timer?: NodeJS.Timeout;
  private lastRevision = 0;
  private behindSince?: number;
  /** When a check last confirmed the mirror holds the bucket's newest entry. */
  private confirmedAt = Date.now();
  private lastRewatchAt = 0;
  private checking = false;
  private stopped = false;
  private readonly checkIntervalMs: number;
  private readonly graceMs: number;

  constructor(
    private readonly kv: KV,
    private readonly onEntry: (entry: KvWatchEntry) => void,
    private readonly options: KvMirrorOptions = {},
  ) {
    this.checkIntervalMs = options.checkIntervalMs ?? 2000;
    this.graceMs = options.graceMs ?? 2000;
  }

  async start(): Promise<void> {
    await this.watch();
    this.confirmedAt = Date.now();
    this.timer = setInterval(() => void this.check(), this.checkIntervalMs);
    this.timer.unref();
  }

  /**
   * Milliseconds since the mirror last confirmed it holds the bucket's newest entry, once it is
   * known to be behind or no check has answered for longer than the check interval plus
   * ANSWER_MS; 0 while it is in sync.
   */
  get behindForMs(): number {
    const silent = Date.now() - this.confirmedAt;
    return this.behindSince !== undefined || silent > this.checkIntervalMs + ANSWER_MS ? silent : 0;
  }

  private async watch(): Promise<void> {
    const opening = this.kv.watch(this.lastRevision > 0 ? { resumeFromRevision: this.lastRevision + 1 } : {});
    // Creating the consumer is a JetStream request that may wait on a leader election; a check
    // must never hang on it, or the mirror would stop checking. One that opens late is closed.
    const watcher = this.watcher === undefined ? await opening : await withTimeout(opening, WATCH_TIMEOUT_MS);
    if (watcher === undefined) {
      void opening.then(
        (late) => late.stop(),
        () => undefined,
      );
      throw new Error('opening the watch timed out');
    }
    if (this.stopped) {
      watcher.stop();
      return;
    }
    const previous = this.watcher;
    this.watcher = watcher;
    previous?.stop();
    void (async () => {
      for await (const entry of watcher) {
        // A replaced watch may still hand over what it had buffered: the new one delivers it
        // again in order, so applying it here could undo a later delete.
        if (this.watcher !== watcher) {
          break;
        }
        this.lastRevision = Math.max(this.lastRevision, entry.revision);
        this.onEntry(entry);
      }
    })();
  }

  private async check(): Promise<void> {
    if (this.checking || this.stopped) {
      return;
    }
    this.checking = true;
    try {
      let reason = 'the bucket cannot be asked for its state';
      try {
        const status = await withTimeout(this.kv.status(), WATCH_TIMEOUT_MS);
        if (status === undefined) {
          throw new Error('timed out');
        }
        const { state } = status.streamInfo;
        // With one message per key and one max age for all, the newest message is gone only
        // when every message is: an empty stream has nothing left to receive.
        if (state.messages === 0 || this.lastRevision >= state.last_seq) {
          this.behindSince = undefined;
          this.confirmedAt = Date.now();
          return;
        }
        reason = `the watch stopped at revision ${this.lastRevision}, the bucket is at ${state.last_seq}`;
      } catch {
        // Not reachable now (no stream leader during an election, NATS away): cannot confirm.
      }
      const now = Date.now();
      this.behindSince ??= now;
      if (now - this.behindSince >= this.graceMs && now - this.lastRewatchAt >= this.graceMs) {
        this.lastRewatchAt = now;
        this.options.onRewatch?.(reason);
        await this.watch().catch(() => undefined);
      }
    } finally {
      this.checking = false;
    }
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.watcher?.stop();
    this.watcher = undefined;
  }
}
