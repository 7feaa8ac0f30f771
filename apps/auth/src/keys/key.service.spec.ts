import { randomBytes } from 'node:crypto';

import { Logger } from '@nestjs/common';
import { KeyStore } from '@tessera/auth';
import type { DatabaseHandle } from '@tessera/platform';
import { eq } from 'drizzle-orm';

import { openTestDatabase } from '../../test/test-database';
import type { AuthDatabase } from '../database/auth-database';
import type * as schema from '../database/schema';
import { signingKeys } from '../database/schema';
import type { PublishedJwk } from './key-material';
import { KeyPublisher } from './key-publisher';
import { KeyService } from './key.service';
import { KeyDecryptionError, SigningKeyUnavailableError } from './keys.errors';

/** Records what was published and whether the service could already sign at that moment. */
class RecordingPublisher extends KeyPublisher {
  readonly published: { jwk: PublishedJwk; couldSign: boolean }[] = [];
  service?: KeyService;

  async publish(jwk: PublishedJwk): Promise<void> {
    let couldSign = true;
    try {
      this.service?.signingKey();
    } catch {
      couldSign = false;
    }
    this.published.push({ jwk, couldSign });
  }

  readonly withdrawn: string[] = [];

  async unpublish(kid: string): Promise<void> {
    this.withdrawn.push(kid);
  }
}

describe('KeyService', () => {
  let handle: DatabaseHandle<typeof schema>;
  let db: AuthDatabase;
  const kek = randomBytes(32);

  function service(publisher = new RecordingPublisher(), key = kek, store = new KeyStore()): KeyService {
    const s = new KeyService(db, key, publisher, store, 960);
    publisher.service = s;
    return s;
  }

  beforeAll(async () => {
    Logger.overrideLogger(false);
    handle = await openTestDatabase();
    db = handle.db;
  });

  beforeEach(async () => {
    await db.delete(signingKeys);
  });

  afterAll(async () => {
    await handle.close();
  });

  it('cannot sign before it has loaded', () => {
    expect(() => service().signingKey()).toThrow(SigningKeyUnavailableError);
  });

  it('creates an RS256 key on first start and publishes it before signing with it', async () => {
    const publisher = new RecordingPublisher();
    const store = new KeyStore();
    const keys = service(publisher, kek, store);
    await keys.load();
    const key = keys.signingKey();
    expect(key.alg).toBe('RS256');
    expect(key.privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(publisher.published).toEqual([{ jwk: key.publicJwk, couldSign: false }]);
    expect(Object.keys(key.publicJwk).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(keys.jwks()).toEqual({ keys: [key.publicJwk] });
    expect(await store.find(key.kid)).toBeDefined();
  });

  it('stores the private key encrypted, never in the clear', async () => {
    const keys = service();
    await keys.load();
    const [row] = await db.select().from(signingKeys);
    const pkcs8 = keys.signingKey().privateKey.export({ format: 'der', type: 'pkcs8' });
    expect(row.privateKeyEnc.startsWith('v1.')).toBe(true);
    expect(row.privateKeyEnc).not.toContain(pkcs8.toString('base64url').slice(0, 40));
    expect(JSON.stringify(row.publicJwk)).not.toMatch(/"(d|p|q|dp|dq|qi)"/);
  });

  it('loads the same key on the next start and publishes it again', async () => {
    const first = service();
    await first.load();
    const publisher = new RecordingPublisher();
    const second = service(publisher);
    await second.load();
    expect(second.signingKey().kid).toBe(first.signingKey().kid);
    expect(publisher.published.map((p) => p.jwk.kid)).toEqual([first.signingKey().kid]);
    expect(await db.select().from(signingKeys)).toHaveLength(1);
  });

  it('ends with one active key when two replicas start together on an empty table', async () => {
    const a = service();
    const b = service();
    await Promise.all([a.load(), b.load()]);
    expect(a.signingKey().kid).toBe(b.signingKey().kid);
    expect(await db.select().from(signingKeys)).toHaveLength(1);
  });

  it('refuses to start with another key-encryption key rather than minting a new key', async () => {
    await service().load();
    await expect(service(new RecordingPublisher(), randomBytes(32)).load()).rejects.toThrow(KeyDecryptionError);
    expect(await db.select().from(signingKeys)).toHaveLength(1);
  });

  it('refuses to start when the stored private key was altered', async () => {
    const keys = service();
    await keys.load();
    const [row] = await db.select().from(signingKeys);
    const parts = row.privateKeyEnc.split('.');
    const ciphertext = parts[2];
    parts[2] = `${ciphertext.startsWith('A') ? 'B' : 'A'}${ciphertext.slice(1)}`;
    await db
      .update(signingKeys)
      .set({ privateKeyEnc: parts.join('.') })
      .where(eq(signingKeys.kid, row.kid));
    await expect(service().load()).rejects.toThrow(KeyDecryptionError);
  });

  describe('rotation', () => {
    it('publishes the new key before signing with it, and keeps the old one published', async () => {
      const publisher = new RecordingPublisher();
      const keys = service(publisher);
      await keys.load();
      const old = keys.signingKey();
      const fresh = await keys.rotate('ES256');
      // When the new key was published, the service was still signing with the old one.
      expect(publisher.published.at(-1)).toEqual({ jwk: fresh, couldSign: true });
      expect(keys.signingKey().kid).toBe(fresh.kid);
      expect(keys.signingKey().alg).toBe('ES256');
      expect(keys.jwks().keys.map((k) => k.kid)).toEqual([old.kid, fresh.kid]);
      const rows = await db.select().from(signingKeys);
      expect(rows.map((r) => [r.kid, r.status]).sort()).toEqual(
        [
          [old.kid, 'retired'],
          [fresh.kid, 'active'],
        ].sort(),
      );
    });

    it('withdraws a retired key only once every token it signed has expired', async () => {
      const publisher = new RecordingPublisher();
      const store = new KeyStore();
      const keys = service(publisher, kek, store);
      await keys.load();
      const old = keys.signingKey();
      const fresh = await keys.rotate();
      await keys.refresh(new Date(Date.now() + 900_000));
      expect(publisher.withdrawn).toEqual([]);
      await keys.refresh(new Date(Date.now() + 961_000));
      expect(publisher.withdrawn).toEqual([old.kid]);
      expect(keys.jwks().keys.map((k) => k.kid)).toEqual([fresh.kid]);
      expect(store.get(old.kid)).toBeUndefined();
      expect((await db.select().from(signingKeys)).map((r) => r.kid)).toEqual([fresh.kid]);
    });

    it('lets another replica adopt the rotated key without a restart', async () => {
      const a = service();
      const b = service();
      await a.load();
      await b.load();
      const fresh = await a.rotate();
      expect(b.signingKey().kid).not.toBe(fresh.kid);
      await b.refresh();
      expect(b.signingKey().kid).toBe(fresh.kid);
      expect(b.jwks().keys.map((k) => k.kid)).toContain(fresh.kid);
    });
  });
});
