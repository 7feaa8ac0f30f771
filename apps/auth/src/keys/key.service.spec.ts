import { generateKeyPairSync, randomBytes } from 'node:crypto';

import { Logger } from '@nestjs/common';
import { KeyStore } from '@tessera/auth';
import type { DatabaseHandle } from '@tessera/platform';
import { eq } from 'drizzle-orm';

import { openTestDatabase } from '../../test/test-database';
import type { AuthDatabase } from '../database/auth-database';
import type * as schema from '../database/schema';
import { signingKeys } from '../database/schema';
import type { PublishedJwk, SigningKey } from './key-material';
import { KeyPublisher } from './key-publisher';
import { KeyService } from './key.service';
import type { SigningPolicy } from './key.service';
import {
  ActiveKeyWithdrawalError,
  KeyAlgorithmMismatchError,
  KeyNotFoundError,
  KeyAlreadyKnownError,
  KeyDecryptionError,
  KeyImportError,
  KeyRotationUnavailableError,
  SigningKeyUnavailableError,
} from './keys.errors';

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

  function service(
    publisher = new RecordingPublisher(),
    key = kek,
    store = new KeyStore(),
    policy: SigningPolicy = { algorithm: 'RS256' },
  ): KeyService {
    const s = new KeyService(db, key, publisher, store, 960, policy);
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
    const key = keys.signingKey() as SigningKey;
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
      const fresh = await keys.rotate();
      // When the new key was published, the service was still signing with the old one.
      expect(publisher.published.at(-1)).toEqual({ jwk: fresh, couldSign: true });
      expect(keys.signingKey().kid).toBe(fresh.kid);
      expect(keys.signingKey().alg).toBe('RS256');
      expect(keys.jwks().keys.map((k) => k.kid)).toEqual([old.kid, fresh.kid]);
      const rows = await db.select().from(signingKeys);
      expect(rows.map((r) => [r.kid, r.status]).sort()).toEqual(
        [
          [old.kid, 'retired'],
          [fresh.kid, 'active'],
        ].sort(),
      );
    });

    it('refuses another algorithm than AUTH_SIGNING_ALG, which the next start would rotate away from', async () => {
      const keys = service();
      await keys.load();
      const current = keys.signingKey().kid;
      await expect(keys.rotate('ES256')).rejects.toThrow(KeyAlgorithmMismatchError);
      expect(keys.signingKey().kid).toBe(current);
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
  describe('withdraw', () => {
    it('withdraws a retired key at once: unpublished, out of the JWKS, the store and the table', async () => {
      const publisher = new RecordingPublisher();
      const store = new KeyStore();
      const keys = service(publisher, kek, store);
      await keys.load();
      const old = keys.signingKey();
      const fresh = await keys.rotate();
      await keys.withdraw(old.kid);
      expect(publisher.withdrawn).toEqual([old.kid]);
      expect(keys.jwks().keys.map((k) => k.kid)).toEqual([fresh.kid]);
      expect(store.get(old.kid)).toBeUndefined();
      expect((await db.select().from(signingKeys)).map((r) => r.kid)).toEqual([fresh.kid]);
    });

    it('refuses the signing key and an unknown kid', async () => {
      const keys = service();
      await keys.load();
      await expect(keys.withdraw(keys.signingKey().kid)).rejects.toThrow(ActiveKeyWithdrawalError);
      await expect(keys.withdraw('nope')).rejects.toThrow(KeyNotFoundError);
      expect(await db.select().from(signingKeys)).toHaveLength(1);
    });

    it('lets another replica stop serving a key withdrawn elsewhere', async () => {
      const a = service();
      const bStore = new KeyStore();
      const b = service(new RecordingPublisher(), kek, bStore);
      await a.load();
      await b.load();
      const old = a.signingKey();
      await a.rotate();
      await b.refresh();
      await a.withdraw(old.kid);
      expect(b.jwks().keys.map((k) => k.kid)).toContain(old.kid);
      await b.refresh();
      expect(b.jwks().keys.map((k) => k.kid)).not.toContain(old.kid);
      expect(bStore.get(old.kid)).toBeUndefined();
    });
  });

  describe('AUTH_SIGNING_ALG', () => {
    it('creates an ES256 (P-256) key on first start when configured', async () => {
      const keys = service(new RecordingPublisher(), kek, new KeyStore(), { algorithm: 'ES256' });
      await keys.load();
      expect(keys.signingKey().alg).toBe('ES256');
      expect(keys.signingKey().privateKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
      expect(keys.jwks().keys).toEqual([expect.objectContaining({ kty: 'EC', crv: 'P-256', alg: 'ES256' })]);
    });

    it('rotates to the configured algorithm at start, keeping the old key published', async () => {
      const first = service();
      await first.load();
      const old = first.signingKey();
      const publisher = new RecordingPublisher();
      const second = service(publisher, kek, new KeyStore(), { algorithm: 'ES256' });
      await second.load();
      expect(second.signingKey().alg).toBe('ES256');
      expect(second.jwks().keys.map((k) => [k.kid, k.alg])).toEqual([
        [old.kid, 'RS256'],
        [second.signingKey().kid, 'ES256'],
      ]);
      // Published before it signed.
      expect(publisher.published.at(-1)).toEqual({ jwk: expect.objectContaining({ alg: 'ES256' }), couldSign: true });
    });
  });

  describe('import', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

    it.each([
      ['RSA PKCS#8 PEM', 'RS256', rsa.export({ format: 'pem', type: 'pkcs8' }).toString()],
      ['RSA PKCS#1 PEM', 'RS256', rsa.export({ format: 'pem', type: 'pkcs1' }).toString()],
      ['RSA JWK', 'RS256', JSON.stringify(rsa.export({ format: 'jwk' }))],
      ['P-256 SEC1 PEM', 'ES256', ec.export({ format: 'pem', type: 'sec1' }).toString()],
      ['P-256 JWK with alg', 'ES256', JSON.stringify({ ...ec.export({ format: 'jwk' }), alg: 'ES256' })],
    ])('imports a %s, publishes it first, then signs with it', async (_kind, alg, material) => {
      const publisher = new RecordingPublisher();
      const store = new KeyStore();
      const policy = { algorithm: alg as 'RS256' | 'ES256' };
      const keys = service(publisher, kek, store, policy);
      await keys.load();
      const old = keys.signingKey();
      const jwk = await keys.import(material);
      expect(jwk.alg).toBe(alg);
      expect(publisher.published.at(-1)).toEqual({ jwk, couldSign: true });
      expect(keys.signingKey()).toMatchObject({ kid: jwk.kid, alg });
      expect(keys.jwks().keys.map((k) => k.kid)).toEqual([old.kid, jwk.kid]);
      expect(JSON.stringify(keys.jwks())).not.toMatch(/"d"/);
      expect(store.get(jwk.kid)?.alg).toBe(alg);
      // The next start signs with the imported key, unsealed from the database.
      const restarted = service(new RecordingPublisher(), kek, new KeyStore(), policy);
      await restarted.load();
      expect(restarted.signingKey().kid).toBe(jwk.kid);
    });

    it.each([
      [
        'a public key',
        rsa
          .export({ format: 'pem', type: 'pkcs8' })
          .toString()
          .replace(/PRIVATE/g, 'PUBLIC'),
      ],
      ['a public JWK', JSON.stringify({ ...ec.export({ format: 'jwk' }), d: undefined })],
      [
        'an RSA key under 2048 bits',
        generateKeyPairSync('rsa', { modulusLength: 1024 })
          .privateKey.export({ format: 'pem', type: 'pkcs8' })
          .toString(),
      ],
      [
        'a P-384 key',
        generateKeyPairSync('ec', { namedCurve: 'P-384' })
          .privateKey.export({ format: 'pem', type: 'pkcs8' })
          .toString(),
      ],
      ['an Ed25519 key', generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()],
      ['a JWK whose alg disagrees', JSON.stringify({ ...rsa.export({ format: 'jwk' }), alg: 'ES256' })],
      [
        'an encrypted PEM',
        rsa.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'x' }).toString(),
      ],
      ['garbage', '-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----'],
      ['broken JSON', '{"kty":'],
    ])('refuses %s and keeps signing with the current key', async (_kind, material) => {
      const keys = service();
      await keys.load();
      const current = keys.signingKey().kid;
      await expect(keys.import(material)).rejects.toThrow(KeyImportError);
      expect(keys.signingKey().kid).toBe(current);
      expect(await db.select().from(signingKeys)).toHaveLength(1);
    });

    it('refuses a key of another algorithm than AUTH_SIGNING_ALG', async () => {
      const keys = service();
      await keys.load();
      await expect(keys.import(ec.export({ format: 'pem', type: 'pkcs8' }).toString())).rejects.toThrow(
        KeyAlgorithmMismatchError,
      );
      expect(await db.select().from(signingKeys)).toHaveLength(1);
    });

    it('refuses a key that is already in the key set', async () => {
      const keys = service();
      await keys.load();
      const material = rsa.export({ format: 'pem', type: 'pkcs8' }).toString();
      await keys.import(material);
      await expect(keys.import(material)).rejects.toThrow(KeyAlreadyKnownError);
      expect(await db.select().from(signingKeys)).toHaveLength(2);
    });

    it('never quotes the key material in its error', async () => {
      const keys = service();
      await keys.load();
      const material = JSON.stringify({ ...ec.export({ format: 'jwk' }), crv: 'P-999' });
      const error = await keys.import(material).catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(KeyImportError);
      expect(error.message).not.toContain(String(ec.export({ format: 'jwk' }).d));
    });
  });

  describe('HS256 mode', () => {
    const secret = randomBytes(48).toString('base64');

    it('signs with the shared secret, publishes nothing and stores nothing', async () => {
      const publisher = new RecordingPublisher();
      const keys = service(publisher, kek, new KeyStore(), { algorithm: 'HS256', sharedSecret: secret });
      await keys.load();
      expect(keys.signingKey()).toMatchObject({ alg: 'HS256' });
      expect(keys.signingKey().privateKey.type).toBe('secret');
      expect(keys.jwks()).toEqual({ keys: [] });
      expect(publisher.published).toEqual([]);
      expect(await db.select().from(signingKeys)).toHaveLength(0);
    });

    it('refuses rotation and import', async () => {
      const keys = service(new RecordingPublisher(), kek, new KeyStore(), { algorithm: 'HS256', sharedSecret: secret });
      await keys.load();
      await expect(keys.rotate()).rejects.toThrow(KeyRotationUnavailableError);
      await expect(
        keys.import(
          generateKeyPairSync('ec', { namedCurve: 'P-256' })
            .privateKey.export({ format: 'pem', type: 'pkcs8' })
            .toString(),
        ),
      ).rejects.toThrow(KeyRotationUnavailableError);
    });

    it('refuses a secret shorter than 32 bytes', async () => {
      const keys = service(new RecordingPublisher(), kek, new KeyStore(), {
        algorithm: 'HS256',
        sharedSecret: 'x'.repeat(31),
      });
      await expect(keys.load()).rejects.toThrow(/at least 32 bytes/);
    });
  });
});
