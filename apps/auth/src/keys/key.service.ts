import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { KeyStore, parsePublicJwk } from '@tessera/auth';
import { DATABASE } from '@tessera/platform';
import { asc, eq, inArray } from 'drizzle-orm';
import { calculateJwkThumbprint } from 'jose';

import type { AuthDatabase } from '../database/auth-database';
import { isUniqueViolation } from '../database/auth-database';
import type { SigningKeyRow } from '../database/schema';
import { signingKeys } from '../database/schema';
import { openPrivateKey, sealPrivateKey } from './key-encryption';
import { KEY_ENCRYPTION_KEY } from './key-encryption-key';
import type { PublishedJwk, SigningAlgorithm, SigningKey } from './key-material';
import { exportPrivateKey, generateSigningKey, importPrivateKey, signingKeyFrom } from './key-material';
import { KeyPublisher } from './key-publisher';
import { SigningKeyUnavailableError } from './keys.errors';

const ALGORITHMS: readonly string[] = ['RS256', 'ES256'] satisfies SigningAlgorithm[];

/** How long after retirement a key stays published: longer than any token it signed can live. */
export const KEY_RETENTION_SECONDS = Symbol('KEY_RETENTION_SECONDS');
/** How often a replica looks for a key another replica rotated in, and for keys to withdraw. */
const REFRESH_MS = 30_000;

/**
 * The issuer's key set (design, "Keys"): private halves encrypted at rest in `signing_keys`,
 * public halves published to the NATS key bucket and the JWKS. A key is published before
 * anything is signed with it, so no verifier ever meets a token whose key it cannot find.
 */
@Injectable()
export class KeyService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Keys');
  private current?: SigningKey;
  private published: readonly PublishedJwk[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(DATABASE) private readonly db: AuthDatabase,
    @Inject(KEY_ENCRYPTION_KEY) private readonly kek: Buffer,
    private readonly publisher: KeyPublisher,
    private readonly keyStore: KeyStore,
    @Inject(KEY_RETENTION_SECONDS) private readonly retentionSeconds: number,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.load();
    this.timer = setInterval(() => {
      this.refresh().catch((e: unknown) => this.logger.warn(`key refresh failed: ${(e as Error).message}`));
    }, REFRESH_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /**
   * Rotation (design, "Keys"): the new public key is published to the bucket and the JWKS
   * first, then it becomes the signing key in one transaction that retires the old one. The
   * retired key stays published until every token it signed has expired (`refresh`).
   */
  async rotate(alg: SigningAlgorithm = this.current?.alg ?? 'RS256'): Promise<PublishedJwk> {
    const key = await generateSigningKey(alg);
    await this.publisher.publish(key.publicJwk);
    this.keyStore.put(parsePublicJwk(key.publicJwk));
    this.published = [...this.published, key.publicJwk];
    const der = exportPrivateKey(key.privateKey);
    const privateKeyEnc = sealPrivateKey(this.kek, key.kid, der);
    der.fill(0);
    await this.db.transaction(async (tx) => {
      await tx.update(signingKeys).set({ status: 'retired' }).where(eq(signingKeys.status, 'active'));
      await tx
        .insert(signingKeys)
        .values({ kid: key.kid, alg, publicJwk: key.publicJwk, privateKeyEnc, status: 'active' });
    });
    this.current = key;
    this.logger.log(`rotated: now signing with ${alg} key ${key.kid}`);
    return { ...key.publicJwk };
  }

  /**
   * Follows the table: adopts a key another replica rotated in, and withdraws retired keys
   * whose successor has been signing for longer than any token can live.
   */
  async refresh(now = new Date()): Promise<void> {
    const rows = await this.db.select().from(signingKeys).orderBy(asc(signingKeys.createdAt));
    const expired = rows.filter((row, i) => {
      const retiredAt = rows[i + 1]?.createdAt;
      return (
        row.status === 'retired' && retiredAt && retiredAt.getTime() + this.retentionSeconds * 1000 < now.getTime()
      );
    });
    for (const row of expired) {
      await this.publisher.unpublish(row.kid);
      this.keyStore.remove(row.kid);
      this.logger.log(`withdrew retired key ${row.kid}`);
    }
    if (expired.length > 0) {
      // Nothing it signed is valid any more: the private half has no use left.
      await this.db.delete(signingKeys).where(
        inArray(
          signingKeys.kid,
          expired.map((r) => r.kid),
        ),
      );
    }
    const gone = new Set(expired.map((r) => r.kid));
    const known = new Set(this.published.map((j) => j.kid));
    const jwks = this.published.filter((j) => !gone.has(j.kid));
    for (const row of rows) {
      if (!gone.has(row.kid) && !known.has(row.kid)) {
        const jwk = await this.storedPublicJwk(row);
        await this.publisher.publish(jwk);
        this.keyStore.put(parsePublicJwk(jwk));
        jwks.push(jwk);
      }
    }
    this.published = jwks;
    const active = rows.find((r) => r.status === 'active');
    if (active && active.kid !== this.current?.kid) {
      this.current = await this.unseal(active);
      this.logger.log(`signing with ${active.alg} key ${active.kid} (rotated by another replica)`);
    }
  }

  /** The key to sign with; only ever one that has been published. */
  signingKey(): SigningKey {
    if (!this.current) {
      throw new SigningKeyUnavailableError();
    }
    return this.current;
  }

  /** The public key set, as served at `/.well-known/jwks.json`. */
  jwks(): { keys: PublishedJwk[] } {
    return { keys: this.published.map((jwk) => ({ ...jwk })) };
  }

  /**
   * Loads the active key (creating one on first start), then (re)publishes every stored public
   * key: the bucket may be new or emptied since the last start. Retired keys stay published so
   * tokens they signed still verify until they expire.
   */
  async load(): Promise<void> {
    const active = (await this.loadActive()) ?? (await this.createActive('RS256'));
    const rows = await this.db.select().from(signingKeys).orderBy(asc(signingKeys.createdAt));
    const jwks: PublishedJwk[] = [];
    for (const row of rows) {
      const jwk = row.kid === active.kid ? active.publicJwk : await this.storedPublicJwk(row);
      await this.publisher.publish(jwk);
      // Auth verifies its own tokens (`GET /auth/me`) without waiting for the bucket watch.
      this.keyStore.put(parsePublicJwk(jwk));
      jwks.push(jwk);
    }
    this.published = jwks;
    this.current = active;
    this.logger.log(`signing with ${active.alg} key ${active.kid}`);
  }

  private async loadActive(): Promise<SigningKey | undefined> {
    const [row] = await this.db.select().from(signingKeys).where(eq(signingKeys.status, 'active')).limit(1);
    return row ? this.unseal(row) : undefined;
  }

  private async createActive(alg: SigningAlgorithm): Promise<SigningKey> {
    const key = await generateSigningKey(alg);
    const der = exportPrivateKey(key.privateKey);
    const privateKeyEnc = sealPrivateKey(this.kek, key.kid, der);
    der.fill(0);
    try {
      await this.db
        .insert(signingKeys)
        .values({ kid: key.kid, alg, publicJwk: key.publicJwk, privateKeyEnc, status: 'active' });
    } catch (e) {
      // Another replica created the first key at the same moment: use theirs.
      const winner = isUniqueViolation(e, 'signing_keys_one_active') ? await this.loadActive() : undefined;
      if (winner) {
        return winner;
      }
      throw e;
    }
    this.logger.log(`generated ${alg} signing key ${key.kid}`);
    return key;
  }

  private async unseal(row: SigningKeyRow): Promise<SigningKey> {
    const der = openPrivateKey(this.kek, row.kid, row.privateKeyEnc);
    let key: SigningKey;
    try {
      key = await signingKeyFrom(importPrivateKey(der), this.algorithmOf(row));
    } finally {
      der.fill(0);
    }
    if (key.kid !== row.kid) {
      throw new Error(`stored signing key ${row.kid} does not match its kid`);
    }
    return key;
  }

  /** A stored public JWK, published only if it still hashes to its kid and parses as a public key. */
  private async storedPublicJwk(row: SigningKeyRow): Promise<PublishedJwk> {
    const jwk = { ...row.publicJwk, kid: row.kid, alg: this.algorithmOf(row), use: 'sig' } as PublishedJwk;
    parsePublicJwk(jwk);
    if ((await calculateJwkThumbprint(jwk, 'sha256')) !== row.kid) {
      throw new Error(`stored public key ${row.kid} does not match its kid`);
    }
    return jwk;
  }

  private algorithmOf(row: SigningKeyRow): SigningAlgorithm {
    if (!ALGORITHMS.includes(row.alg)) {
      throw new Error(`stored signing key ${row.kid} has unsupported alg ${row.alg}`);
    }
    return row.alg as SigningAlgorithm;
  }
}
