import type { KV, KvWatchEntry, KvWatchOptions } from '@nats-io/kv';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { connect } from '@nats-io/transport-node';
import { eventually, testNamespace, testNatsUrl } from '@tessera/platform/testing';

import { KvMirror } from './kv-mirror';

/**
 * A real bucket on the test run's NATS server. The fault: the mirror's first watch is a live
 * consumer of another, idle bucket, so it is connected and healthy but never delivers a thing,
 * which is how a watch whose JetStream node died looks to this client.
 */
describe('KvMirror: a watch that silently stops delivering is noticed and replaced', () => {
  let nc: NatsConnection;
  let kv: KV;
  let idle: KV;
  const suffix = `${testNamespace()}_${Date.now().toString(36)}`;

  beforeAll(async () => {
    nc = await connect({ servers: testNatsUrl() });
    const kvm = new Kvm(nc);
    kv = await kvm.create(`mirror_${suffix}`, { history: 1 });
    idle = await kvm.create(`mirror_idle_${suffix}`, { history: 1 });
  });

  afterAll(async () => {
    await kv?.destroy();
    await idle?.destroy();
    await nc?.close();
  });

  it('watches again from the next revision once behind, and applies each entry once, in order', async () => {
    await kv.put('a', '1');
    const watches: (KvWatchOptions | undefined)[] = [];
    const faulty = Object.create(kv) as KV;
    faulty.watch = (opts?: KvWatchOptions) => {
      watches.push(opts);
      return watches.length === 1 ? idle.watch() : kv.watch(opts);
    };
    const seen: string[] = [];
    const rewatched: string[] = [];
    const mirror = new KvMirror(faulty, (e: KvWatchEntry) => seen.push(`${e.key}=${e.string()}@${e.revision}`), {
      checkIntervalMs: 100,
      graceMs: 300,
      onRewatch: (reason) => rewatched.push(reason),
    });
    await mirror.start();
    try {
      const revision = await kv.put('b', '2');
      await eventually(() => seen.length === 2);
      expect(seen).toEqual([`a=1@${revision - 1}`, `b=2@${revision}`]);
      expect(rewatched).toEqual([`the watch stopped at revision 0, the bucket is at ${revision}`]);
      expect(watches).toEqual([{}, {}]);
      // In sync again: nothing replayed twice, and later entries arrive on the new watch.
      await kv.delete('a');
      await eventually(() => seen.length === 3);
      expect(seen[2]).toBe(`a=@${revision + 1}`);
      await new Promise((r) => setTimeout(r, 500));
      expect(seen).toHaveLength(3);
      expect(mirror.behindForMs).toBe(0);
    } finally {
      mirror.stop();
    }
  });

  it('resumes after the last revision it received rather than replaying the bucket', async () => {
    const watches: (KvWatchOptions | undefined)[] = [];
    let stalled = false;
    const faulty = Object.create(kv) as KV;
    faulty.watch = (opts?: KvWatchOptions) => {
      watches.push(opts);
      return stalled ? idle.watch() : kv.watch(opts);
    };
    const seen: number[] = [];
    const mirror = new KvMirror(faulty, (e) => seen.push(e.revision), { checkIntervalMs: 100, graceMs: 300 });
    await mirror.start();
    try {
      const first = await kv.put('c', '3');
      await eventually(() => seen.includes(first));
      // From now on, any new watch is a dead one until `stalled` is lifted: the mirror keeps
      // trying, and reports how long it has been unable to confirm it is up to date.
      stalled = true;
      (mirror as unknown as { watcher: { stop(): void } }).watcher.stop();
      const second = await kv.put('c', '4');
      await eventually(() => mirror.behindForMs > 400);
      expect(seen).not.toContain(second);
      stalled = false;
      await eventually(() => seen.includes(second));
      expect(watches.at(-1)).toEqual({ resumeFromRevision: first + 1 });
      expect(seen.filter((r) => r === first)).toHaveLength(1);
      await eventually(() => mirror.behindForMs === 0, 2000);
    } finally {
      mirror.stop();
    }
  });
});
