import { Injectable } from '@nestjs/common';

import type { JtiRevocation, SubjectRevocation } from './revocations-bucket';

/**
 * The in-memory mirror of `tessera_revocations` that verification reads: no network call on
 * the request path. Entries for tokens that have expired anyway are dropped lazily.
 */
@Injectable()
export class RevocationStore {
  private readonly jtis = new Map<string, number>();
  private readonly subjects = new Map<string, number>();
  private isStale: () => boolean = () => false;

  /** Set by the sync service: true once the mirrored state is too old to trust. */
  staleAfter(check: () => boolean): void {
    this.isStale = check;
  }

  get stale(): boolean {
    return this.isStale();
  }

  /** Never shortens a revocation already known: a later, smaller value cannot un-revoke. */
  putJti(jti: string, revocation: JtiRevocation): void {
    this.jtis.set(jti, Math.max(this.jtis.get(jti) ?? 0, revocation.exp));
  }

  putSubject(sub: string, revocation: SubjectRevocation): void {
    const known = this.subjects.get(sub) ?? 0;
    this.subjects.set(sub, Math.max(known, revocation.before));
  }

  removeJti(jti: string): void {
    this.jtis.delete(jti);
  }

  removeSubject(sub: string): void {
    this.subjects.delete(sub);
  }

  /** True when the token's `jti` is revoked, or its subject revoked every token up to its `iat`. */
  isRevoked(token: { jti: string; sub: string; iat: number }): boolean {
    if (this.jtis.has(token.jti)) {
      return true;
    }
    const before = this.subjects.get(token.sub);
    return before !== undefined && token.iat <= before;
  }

  get size(): number {
    return this.jtis.size + this.subjects.size;
  }
}
