import { randomUUID } from 'node:crypto';

import type { KV } from '@nats-io/kv';
import { Buckets } from '@tessera/contracts';
import { NatsConnectionService, ReadinessService } from '@tessera/platform';
import {
  eventually,
  deleteTestNamespace,
  startPrivateNatsServer,
  testNamespace,
  testNatsUrl,
} from '@tessera/platform/testing';

import { resolveAuthOptions } from '../auth.options';
import { RevocationSyncService } from './revocation-sync.service';
import { RevocationStore } from './revocation.store';
import { openRevocationsBucket, RevocationKeys } from './revocations-bucket';

const now = () => Math.floor(Date.now() / 1000);

/** A verifier's revocation sync on its own namespace, and the bucket as auth writes it. */
async function verifier(
  servers: string,
  options: { revocationMaxStalenessSeconds?: number; syncCheck?: { checkIntervalMs?: number; graceMs?: number } } = {},
) {
  const namespace = testNamespace();
  const readiness = new ReadinessService();
  const nats = new NatsConnectionService({ servers, name: 'revocation-sync-spec', namespace }, readiness);
  await nats.connect();
  const bucket: KV = await openRevocationsBucket(nats.nc, nats.bucket(Buckets.Revocations));
  const store = new RevocationStore();
  const sync = new RevocationSyncService(
    resolveAuthOptions({
      audience: 'orders',
      issuer: 'http://issuer.test',
      syncCheck: { checkIntervalMs: 100, graceMs: 200 },
      ...options,
    }),
    store,
    nats,
    readiness,
  );
  const revocations = async () => (await readiness.evaluate()).checks.revocations;
  return {
    bucket,
    store,
    sync,
    nats,
    readiness,
    revocations,
    close: async () => {
      sync.onModuleDestroy();
      await deleteTestNamespace(nats.nc, namespace).catch(() => undefined);
      await nats.onApplicationShutdown();
    },
  };
}

const token = (fields: { jti?: string; sub?: string; iat?: number } = {}) => ({
  jti: fields.jti ?? randomUUID(),
  sub: fields.sub ?? randomUUID(),
  iat: fields.iat ?? now() - 10,
});

describe('RevocationSyncService', () => {
  let v: Awaited<ReturnType<typeof verifier>>;

  afterEach(() => v?.close());

  it('is not ready before the bucket is replayed, then honours what was revoked before it started', async () => {
    v = await verifier(testNatsUrl());
    const revokedToken = token();
    const revokedUser = token();
    await v.bucket.put(RevocationKeys.jti(revokedToken.jti), JSON.stringify({ exp: now() + 900 }));
    await v.bucket.put(RevocationKeys.subject(revokedUser.sub), JSON.stringify({ before: now() }));
    expect(await v.revocations()).toBe('replaying revocations');

    await v.sync.onModuleInit();
    await eventually(async () => (await v.revocations()) === true);
    expect(v.store.isRevoked(revokedToken)).toBe(true);
    expect(v.store.isRevoked(revokedUser)).toBe(true);
    expect(v.store.isRevoked(token())).toBe(false);
  });

  it('is ready at once on an empty bucket', async () => {
    v = await verifier(testNatsUrl());
    await v.sync.onModuleInit();
    expect(await v.revocations()).toBe(true);
  });

  it('honours a revocation published while it runs, and forgets a deleted one', async () => {
    v = await verifier(testNatsUrl());
    await v.sync.onModuleInit();
    const t = token();
    expect(v.store.isRevoked(t)).toBe(false);

    await v.bucket.put(RevocationKeys.jti(t.jti), JSON.stringify({ exp: now() + 900 }));
    await eventually(() => v.store.isRevoked(t));

    await v.bucket.delete(RevocationKeys.jti(t.jti));
    await eventually(() => !v.store.isRevoked(t));
  });

  it('revokes a user’s tokens issued up to `before`, not those issued after', async () => {
    v = await verifier(testNatsUrl());
    await v.sync.onModuleInit();
    const sub = `client:${randomUUID()}`;
    const before = now();
    await v.bucket.put(RevocationKeys.subject(sub), JSON.stringify({ before }));
    await eventually(() => v.store.isRevoked(token({ sub, iat: before })));
    expect(v.store.isRevoked(token({ sub, iat: before - 60 }))).toBe(true);
    expect(v.store.isRevoked(token({ sub, iat: before + 1 }))).toBe(false);
  });

  it('treats a malformed entry over a token id as revoked (fail closed), never as un-revoked', async () => {
    v = await verifier(testNatsUrl());
    await v.sync.onModuleInit();
    const t = token();
    await v.bucket.put(RevocationKeys.jti(t.jti), JSON.stringify({ exp: now() + 900 }));
    await eventually(() => v.store.isRevoked(t));
    await v.bucket.put(RevocationKeys.jti(t.jti), '{"stream":"KV_x","seq":42}');
    // The watch delivers in order: once a later entry is applied, so is the forged one.
    const later = token();
    await v.bucket.put(RevocationKeys.jti(later.jti), JSON.stringify({ exp: now() + 900 }));
    await eventually(() => v.store.isRevoked(later));
    expect(v.store.isRevoked(t)).toBe(true);
  });

  it('treats a malformed user entry as revoking every token issued before it was written', async () => {
    v = await verifier(testNatsUrl());
    await v.sync.onModuleInit();
    const sub = randomUUID();
    await v.bucket.put(RevocationKeys.subject(sub), 'not json');
    await eventually(() => v.store.isRevoked(token({ sub, iat: now() - 60 })));
    expect(v.store.isRevoked(token({ sub, iat: now() + 60 }))).toBe(false);
  });

  it('ignores a key that is neither a token id nor a user', async () => {
    v = await verifier(testNatsUrl());
    await v.sync.onModuleInit();
    await v.bucket.put('other.x', JSON.stringify({ exp: now() + 900 }));
    const t = token();
    await v.bucket.put(RevocationKeys.jti(t.jti), JSON.stringify({ exp: now() + 900 }));
    await eventually(() => v.store.isRevoked(t));
    expect(v.store.size).toBe(1);
  });

  describe('when the NATS node freezes (the connection stays open, nothing answers)', () => {
    let server: Awaited<ReturnType<typeof startPrivateNatsServer>> | undefined;

    // Resumed before anything talks to it again, whatever the test did.
    afterEach(async () => {
      server?.resume();
      await v?.close();
      v = undefined as never;
      await server?.stop();
    });

    it('reports degraded(revocations) once the mirror has been silent longer than its check interval, ready again after', async () => {
      server = await startPrivateNatsServer();
      const checkIntervalMs = 500;
      v = await verifier(server.url, { syncCheck: { checkIntervalMs, graceMs: 1000 } });
      await v.sync.onModuleInit();
      await eventually(async () => (await v.revocations()) === true);

      server.freeze();
      const frozenAt = Date.now();
      // Within the check interval plus the time a check may wait for its answer (1 s), not
      // after the 5 s a status request may hang for.
      await eventually(async () => typeof (await v.revocations()) === 'object', 3000);
      expect(Date.now() - frozenAt).toBeLessThan(checkIntervalMs + 1000 + 1000);
      const frozen = await v.readiness.evaluate();
      expect(frozen.ready).toBe(true);
      expect(frozen.checks.revocations).toEqual({ degraded: expect.stringContaining('revocations not confirmed') });

      server.resume();
      await eventually(async () => (await v.revocations()) === true, 10_000);
    });
  });

  describe('when NATS goes away', () => {
    it('goes on degraded from the last known state, then fails closed once older than the staleness limit', async () => {
      const server = await startPrivateNatsServer();
      try {
        v = await verifier(server.url, { revocationMaxStalenessSeconds: 1 });
        await v.sync.onModuleInit();
        const t = token();
        await v.bucket.put(RevocationKeys.jti(t.jti), JSON.stringify({ exp: now() + 900 }));
        await eventually(() => v.store.isRevoked(t));
        expect(v.store.stale).toBe(false);

        await server.stop();
        await eventually(() => v.nats.disconnectedSince !== undefined);
        // Still within the limit: the last known revocations go on being honoured, still ready.
        expect(v.store.isRevoked(t)).toBe(true);
        expect(v.store.stale).toBe(false);
        const degraded = await v.readiness.evaluate();
        expect(degraded.ready).toBe(true);
        expect(degraded.checks.nats).toEqual({ degraded: expect.stringContaining('NATS unreachable') });

        await eventually(() => v.store.stale, 5000);
        expect(await v.revocations()).toMatch(/stale/);
        expect((await v.readiness.evaluate()).ready).toBe(false);

        await server.start();
        await eventually(async () => (await v.revocations()) === true, 20_000);
        expect(v.store.stale).toBe(false);
      } finally {
        await v?.close();
        v = undefined as never;
        await server.stop();
      }
    });
  });
});
