import { and, eq, gt, lt, sql } from 'drizzle-orm';

import type { AuthDatabase } from '../database/auth-database';
import { oidcPayloads } from '../database/schema';

/** What oidc-provider stores: a model's JSON, with the members its lookups use. */
export interface OidcPayload {
  [key: string]: unknown;
  grantId?: string;
  uid?: string;
  consumed?: number;
}

/** Payloads that live no longer than this when the provider gives them no lifetime (Client is not stored here). */
const DEFAULT_LIFETIME_SECONDS = 14 * 24 * 3600;

/**
 * oidc-provider's storage adapter (its documented interface: upsert, find, findByUid, consume,
 * destroy, revokeByGrantId) over the auth database, so sessions, interactions, grants and codes
 * are shared by every replica and survive a restart. An expired row is never returned.
 *
 * `onGrantRevoked` runs when the provider revokes a grant: a replayed authorization code, or a
 * logout. The provider's own tokens are stored here, but the access and refresh tokens a grant
 * led to are Tessera's (a session family), so the family must end with it.
 */
export class OidcAdapter {
  constructor(
    private readonly db: AuthDatabase,
    private readonly kind: string,
    private readonly onGrantRevoked?: (grantId: string) => Promise<void>,
  ) {}

  async upsert(id: string, payload: OidcPayload, expiresIn: number | undefined): Promise<void> {
    const expiresAt = new Date(Date.now() + (expiresIn ?? DEFAULT_LIFETIME_SECONDS) * 1000);
    const values = {
      kind: this.kind,
      id,
      payload,
      grantId: typeof payload.grantId === 'string' ? payload.grantId : null,
      uid: typeof payload.uid === 'string' ? payload.uid : null,
      expiresAt,
    };
    await this.db
      .insert(oidcPayloads)
      .values(values)
      .onConflictDoUpdate({
        target: [oidcPayloads.kind, oidcPayloads.id],
        set: { payload, grantId: values.grantId, uid: values.uid, expiresAt },
      });
  }

  async find(id: string): Promise<OidcPayload | undefined> {
    return this.one(eq(oidcPayloads.id, id));
  }

  async findByUid(uid: string): Promise<OidcPayload | undefined> {
    return this.one(eq(oidcPayloads.uid, uid));
  }

  /** Device flow only, which this provider does not enable. */
  findByUserCode(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  /** Marks the payload used; a second use is seen by the provider as `consumed` (a replayed code). */
  async consume(id: string): Promise<void> {
    await this.db
      .update(oidcPayloads)
      .set({ consumedAt: sql`coalesce(${oidcPayloads.consumedAt}, now())` })
      .where(and(eq(oidcPayloads.kind, this.kind), eq(oidcPayloads.id, id)));
  }

  async destroy(id: string): Promise<void> {
    await this.db.delete(oidcPayloads).where(and(eq(oidcPayloads.kind, this.kind), eq(oidcPayloads.id, id)));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.db.delete(oidcPayloads).where(and(eq(oidcPayloads.kind, this.kind), eq(oidcPayloads.grantId, grantId)));
    await this.onGrantRevoked?.(grantId);
  }

  private async one(where: ReturnType<typeof eq>): Promise<OidcPayload | undefined> {
    const [row] = await this.db
      .select({ payload: oidcPayloads.payload, consumedAt: oidcPayloads.consumedAt })
      .from(oidcPayloads)
      .where(and(eq(oidcPayloads.kind, this.kind), where, gt(oidcPayloads.expiresAt, new Date())))
      .limit(1);
    if (!row) {
      return undefined;
    }
    const payload = row.payload as OidcPayload;
    return row.consumedAt ? { ...payload, consumed: Math.floor(row.consumedAt.getTime() / 1000) } : payload;
  }
}

/** Deletes expired payloads; the provider never reads them, this only reclaims space. */
export async function pruneOidcPayloads(db: AuthDatabase, now = new Date()): Promise<number> {
  const removed = await db
    .delete(oidcPayloads)
    .where(lt(oidcPayloads.expiresAt, now))
    .returning({ id: oidcPayloads.id });
  return removed.length;
}
