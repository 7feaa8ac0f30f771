import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { KV } from '@nats-io/kv';
import { Buckets } from '@tessera/contracts';
import { NatsConnectionService, ReadinessService } from '@tessera/platform';
import { eventually, deleteTestNamespace, testNamespace, testNatsUrl } from '@tessera/platform/testing';

import { type AuthModuleOptions, resolveAuthOptions } from '../auth.options';
import { RevocationStore } from '../revocation/revocation.store';
import { createTestSigningKey, signTestToken, type TestSigningKey } from '../testing';
import { TokenVerifier } from '../verification/token-verifier';
import { KeyStore } from './key-store';
import { KeySyncService } from './key-sync.service';
import { openKeysBucket } from './keys-bucket';

const issuer = 'http://issuer.test';
const audience = 'orders';

/** A verifier's key sync on its own namespace, the bucket as the issuer writes it, and a TokenVerifier on the store. */
async function verifier(extra: Partial<AuthModuleOptions> = {}) {
  const namespace = testNamespace();
  const readiness = new ReadinessService();
  const nats = new NatsConnectionService({ servers: testNatsUrl(), name: 'key-sync-spec', namespace }, readiness);
  await nats.connect();
  const bucket: KV = await openKeysBucket(nats.nc, nats.bucket(Buckets.Keys));
  const options = resolveAuthOptions({
    audience,
    issuer,
    syncCheck: { checkIntervalMs: 100, graceMs: 200 },
    keyRefreshIntervalSeconds: 0,
    ...extra,
  });
  const store = new KeyStore();
  const sync = new KeySyncService(options, store, nats, readiness);
  const tokens = new TokenVerifier(options, store, new RevocationStore());
  return {
    bucket,
    store,
    sync,
    readiness,
    verify: (token: string) => tokens.verify(token),
    keys: async () => (await readiness.evaluate()).checks.keys,
    publish: (key: TestSigningKey, jwk: object = key.publicJwk) => bucket.put(key.kid, JSON.stringify(jwk)),
    close: async () => {
      sync.onModuleDestroy();
      await deleteTestNamespace(nats.nc, namespace).catch(() => undefined);
      await nats.onApplicationShutdown();
    },
  };
}

describe('KeySyncService', () => {
  let key: TestSigningKey;
  let other: TestSigningKey;
  let v: Awaited<ReturnType<typeof verifier>>;

  beforeAll(async () => {
    key = await createTestSigningKey('RS256');
    other = await createTestSigningKey('ES256');
  });

  afterEach(() => v?.close());

  it('is not ready while no key is known, and ready once the issuer publishes one', async () => {
    v = await verifier();
    await v.sync.onModuleInit();
    expect(await v.keys()).toBe('no public keys loaded yet');
    expect((await v.readiness.evaluate()).ready).toBe(false);

    await v.publish(key);
    await eventually(async () => (await v.keys()) === true);
  });

  it('makes a key published before it started usable by its kid', async () => {
    v = await verifier();
    await v.publish(key);
    await v.sync.onModuleInit();
    await eventually(() => v.store.size === 1);
    const token = await signTestToken(key, { issuer, audience, sub: 'u-1' });
    await expect(v.verify(token)).resolves.toMatchObject({ sub: 'u-1' });
    await expect(v.verify(await signTestToken(other, { issuer, audience }))).rejects.toMatchObject({
      reason: 'unknown_kid',
    });
  });

  it('learns a key published while it runs (a rotation), keeping the previous one', async () => {
    v = await verifier();
    await v.publish(key);
    await v.sync.onModuleInit();
    await eventually(() => v.store.size === 1);
    await v.publish(other);
    await eventually(() => v.store.get(other.kid) !== undefined);
    await expect(v.verify(await signTestToken(other, { issuer, audience }))).resolves.toBeDefined();
    await expect(v.verify(await signTestToken(key, { issuer, audience }))).resolves.toBeDefined();
  });

  it('stops accepting a key once it is withdrawn from the bucket, even for a token it verified before', async () => {
    v = await verifier();
    await v.publish(key);
    await v.sync.onModuleInit();
    await eventually(() => v.store.size === 1);
    const token = await signTestToken(key, { issuer, audience });
    await expect(v.verify(token)).resolves.toBeDefined();

    await v.bucket.delete(key.kid);
    await eventually(() => v.store.size === 0);
    await expect(v.verify(token)).rejects.toMatchObject({ reason: 'unknown_kid' });
  });

  it('skips an entry that is not a usable public key, or whose kid is not its bucket key', async () => {
    v = await verifier();
    await v.sync.onModuleInit();
    // Under another key's name: a key may not stand in for a kid it does not carry.
    await v.bucket.put(other.kid, JSON.stringify(key.publicJwk));
    await v.bucket.put('garbage', 'not json');
    await v.bucket.put('symmetric', JSON.stringify({ kty: 'oct', kid: 'symmetric', alg: 'HS256', k: 'c2VjcmV0' }));
    // The watch delivers in order: once this one is in, the ones before it were looked at.
    const sentinel = await createTestSigningKey('ES256');
    await v.publish(sentinel);
    await eventually(() => v.store.get(sentinel.kid) !== undefined);
    expect(v.store.size).toBe(1);
    expect(v.store.get(key.kid)).toBeUndefined();
    expect(v.store.get(other.kid)).toBeUndefined();
    await expect(v.verify(await signTestToken(key, { issuer, audience }))).rejects.toMatchObject({
      reason: 'unknown_kid',
    });
  });

  it('falls back to the HTTP JWKS when the bucket has no key', async () => {
    let fetches = 0;
    const jwks: Server = createServer((_req, res) => {
      fetches++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [key.publicJwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = jwks.address() as AddressInfo;
      v = await verifier({ jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json` });
      await v.sync.onModuleInit();
      expect(await v.keys()).toBe(true);
      expect(fetches).toBe(1);
      await expect(v.verify(await signTestToken(key, { issuer, audience }))).resolves.toBeDefined();
    } finally {
      await new Promise((resolve) => jwks.close(resolve));
    }
  });

  it('in shared-secret mode trusts the secret alone and reads no bucket', async () => {
    v = await verifier({ sharedSecret: 's'.repeat(32) });
    await v.publish(key);
    await v.sync.onModuleInit();
    expect(v.store.size).toBe(1);
    expect(v.store.get(key.kid)).toBeUndefined();
    expect((await v.readiness.evaluate()).checks.keys).toBeUndefined();
  });
});
