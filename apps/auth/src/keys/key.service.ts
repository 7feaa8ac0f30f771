import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { SigningAlgorithm as AnySigningAlgorithm } from '@tessera/auth';
import { KeyStore, parsePublicJwk, sharedSecretKey } from '@tessera/auth';
import { DATABASE } from '@tessera/platform';
import { asc, eq, inArray } from 'drizzle-orm';
import { calculateJwkThumbprint } from 'jose';

import type { AuditEntry } from '../audit/audit-trail.service';
import { AuditTrail } from '../audit/audit-trail.service';
import type { AuthDatabase } from '../database/auth-database';
import { isUniqueViolation } from '../database/auth-database';
import type { SigningKeyRow } from '../database/schema';
import { signingKeys } from '../database/schema';
import { openPrivateKey, sealPrivateKey } from './key-encryption';
import { KEY_ENCRYPTION_KEY } from './key-encryption-key';
import type { PublishedJwk, SigningAlgorithm, Signer, SigningKey } from './key-material';
import {
  exportPrivateKey,
  generateSigningKey,
  importPrivateKey,
  signingKeyFrom,
  signingKeyFromMaterial,
} from './key-material';
import { KeyPublisher } from './key-publisher';
import {
  ActiveKeyWithdrawalError,
  KeyAlgorithmMismatchError,
  KeyNotFoundError,
  KeyAlreadyKnownError,
  KeyRotationUnavailableError,
  SigningKeyUnavailableError,
} from './keys.errors';

const ALGORITHMS: readonly string[] = ['RS256', 'ES256'] satisfies SigningAlgorithm[];

/** How long after retirement a key stays published: longer than any token it signed can live. */
export const KEY_RETENTION_SECONDS = Symbol('KEY_RETENTION_SECONDS');
/** The configured algorithm (AUTH_SIGNING_ALG), and the shared secret of HS256 mode. */
export interface SigningPolicy {
  algorithm: AnySigningAlgorithm;
  sharedSecret?: string;
  /** At start, rotate away from an active key of another algorithm (default true; false for the CLI). */
  rotateAtStart?: boolean;
}
export const SIGNING_POLICY = Symbol('SIGNING_POLICY');

/** One stored key, as the operator CLI lists it (never a private member). */
export interface KeySummary {
  kid: string;
  alg: string;
  status: string;
  createdAt: Date;
}

/** How often a replica looks for a key another replica rotated in, and for keys to withdraw. */
const REFRESH_MS = 30_000;

/**
 * The issuer's key set (docs/operations.md, "Keys"): private halves encrypted at rest in
 * `signing_keys`, public halves published to the NATS key bucket and the JWKS. A key is published
 * before anything is signed with it, so no verifier ever meets a token whose key it cannot find.
 */
@Injectable()
export class KeyService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Keys');
  private current?: Signer;
  private published: readonly PublishedJwk[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(DATABASE) private readonly db: AuthDatabase,
    @Inject(KEY_ENCRYPTION_KEY) private readonly kek: Buffer,
    private readonly publisher: KeyPublisher,
    private readonly keyStore: KeyStore,
    @Inject(KEY_RETENTION_SECONDS) private readonly retentionSeconds: number,
    @Inject(SIGNING_POLICY) private readonly policy: SigningPolicy = { algorithm: 'RS256' },
    @Optional() private readonly audit?: AuditTrail,
  ) {}

  /** HS256 mode (README.md, "Signing algorithms"): one shared secret, no key set, nothing published. */
  get sharedSecretMode(): boolean {
    return this.policy.algorithm === 'HS256';
  }

  async onModuleInit(): Promise<void> {
    await this.load();
    if (this.sharedSecretMode) {
      return;
    }
    this.timer = setInterval(() => {
      this.refresh().catch((e: unknown) => this.logger.warn(`key refresh failed: ${(e as Error).message}`));
    }, REFRESH_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /**
   * Rotation: the new public key is published to the bucket and the JWKS
   * first, then it becomes the signing key in one transaction that retires the old one. The
   * retired key stays published until every token it signed has expired (`refresh`).
   */
  async rotate(alg?: SigningAlgorithm, actor: AuditEntry = { subject: 'system' }): Promise<PublishedJwk> {
    this.assertKeySet();
    this.assertConfigured(alg ?? this.configuredAlgorithm());
    return this.activate(await generateSigningKey(alg ?? this.configuredAlgorithm()), 'rotated', actor);
  }

  /**
   * Imports an operator's private key (PEM or JWK, RSA or P-256), e.g. when migrating from
   * another issuer. It then goes exactly the way of a rotated-in key: published first, then
   * signing, the previous key retired.
   */
  async import(material: string, actor: AuditEntry = { subject: 'operator' }): Promise<PublishedJwk> {
    this.assertKeySet();
    const key = await signingKeyFromMaterial(material);
    this.assertConfigured(key.alg);
    const [known] = await this.db
      .select({ kid: signingKeys.kid })
      .from(signingKeys)
      .where(eq(signingKeys.kid, key.kid))
      .limit(1);
    if (known) {
      throw new KeyAlreadyKnownError(key.kid);
    }
    return this.activate(key, 'imported', actor);
  }

  /**
   * Withdraws a retired key now, before its tokens expire: after a compromise, so that nothing it
   * signed is accepted any more. Removed from the key bucket (every verifier drops it and what it
   * verified), the JWKS and the database. The active key must be rotated away from first.
   */
  async withdraw(kid: string, actor: AuditEntry = { subject: 'operator' }): Promise<void> {
    this.assertKeySet();
    const [row] = await this.db.select().from(signingKeys).where(eq(signingKeys.kid, kid)).limit(1);
    if (!row) {
      throw new KeyNotFoundError(kid);
    }
    if (row.status === 'active') {
      throw new ActiveKeyWithdrawalError(kid);
    }
    await this.publisher.unpublish(kid);
    this.keyStore.remove(kid);
    this.published = this.published.filter((j) => j.kid !== kid);
    await this.db.transaction(async (tx) => {
      await tx.delete(signingKeys).where(eq(signingKeys.kid, kid));
      await this.audit?.record('key_rotated', { ...actor, details: { kid, alg: row.alg, how: 'withdrawn' } }, tx);
    });
    this.logger.warn(`withdrew key ${kid}: tokens it signed are no longer accepted`);
  }

  /** The stored keys, oldest first; HS256 mode has none. */
  async list(): Promise<KeySummary[]> {
    const rows = await this.db
      .select({
        kid: signingKeys.kid,
        alg: signingKeys.alg,
        status: signingKeys.status,
        createdAt: signingKeys.createdAt,
      })
      .from(signingKeys)
      .orderBy(asc(signingKeys.createdAt));
    return rows;
  }

  private async activate(key: SigningKey, how: 'rotated' | 'imported', actor: AuditEntry): Promise<PublishedJwk> {
    const alg = key.alg;
    await this.publisher.publish(key.publicJwk);
    this.keyStore.put(parsePublicJwk(key.publicJwk));
    this.published = [...this.published, key.publicJwk];
    const der = exportPrivateKey(key.privateKey);
    const privateKeyEnc = sealPrivateKey(this.kek, key.kid, der);
    der.fill(0);
    try {
      await this.db.transaction(async (tx) => {
        await tx.update(signingKeys).set({ status: 'retired' }).where(eq(signingKeys.status, 'active'));
        await tx
          .insert(signingKeys)
          .values({ kid: key.kid, alg, publicJwk: key.publicJwk, privateKeyEnc, status: 'active' });
        await this.audit?.record('key_rotated', { ...actor, details: { kid: key.kid, alg, how } }, tx);
      });
    } catch (e) {
      // The same key imported twice at the same moment: the first one won.
      if (isUniqueViolation(e, 'signing_keys_pkey')) {
        throw new KeyAlreadyKnownError(key.kid);
      }
      throw e;
    }
    this.current = key;
    this.logger.log(`${how}: now signing with ${alg} key ${key.kid}`);
    return { ...key.publicJwk };
  }

  private assertKeySet(): void {
    if (this.sharedSecretMode) {
      throw new KeyRotationUnavailableError();
    }
  }

  /**
   * AUTH_SIGNING_ALG is the one source of truth: a key of another algorithm would be rotated
   * away from at the next start, so it is refused now, with what to do instead.
   */
  private assertConfigured(alg: SigningAlgorithm): void {
    const configured = this.configuredAlgorithm();
    if (alg !== configured) {
      throw new KeyAlgorithmMismatchError(alg, configured);
    }
  }

  private configuredAlgorithm(): SigningAlgorithm {
    return this.policy.algorithm === 'ES256' ? 'ES256' : 'RS256';
  }

  /**
   * Follows the table: adopts a key another replica rotated in, and withdraws retired keys
   * whose successor has been signing for longer than any token can live.
   */
  async refresh(now = new Date()): Promise<void> {
    if (this.sharedSecretMode) {
      return;
    }
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
    const stored = new Set(rows.map((r) => r.kid));
    // Withdrawn elsewhere (another replica, or `keys withdraw` from the CLI): no longer served.
    for (const jwk of this.published) {
      if (!stored.has(jwk.kid) && !gone.has(jwk.kid)) {
        this.keyStore.remove(jwk.kid);
        gone.add(jwk.kid);
        this.logger.log(`key ${jwk.kid} was withdrawn`);
      }
    }
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
  signingKey(): Signer {
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
    if (this.policy.algorithm === 'HS256') {
      const { kid, key } = sharedSecretKey(this.policy.sharedSecret ?? '');
      this.published = [];
      this.current = { kid, alg: 'HS256', privateKey: key };
      this.logger.log(`signing with the HS256 shared secret (key id ${kid}); no key set is published`);
      return;
    }
    const configured = this.configuredAlgorithm();
    const active = (await this.loadActive()) ?? (await this.createActive(configured));
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
    if (active.alg !== configured && this.policy.rotateAtStart !== false) {
      // AUTH_SIGNING_ALG changed since the key was made: rotate to it, the usual way.
      this.logger.log(`AUTH_SIGNING_ALG is ${configured}: rotating away from the ${active.alg} key`);
      await this.rotate(configured);
    }
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
