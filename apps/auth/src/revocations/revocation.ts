/**
 * One revocation as the outbox holds it until the revocations bucket has it: an access token by
 * `jti` until its `exp`, or every token of `sub` issued at or before `before` (seconds).
 */
export type Revocation = { jti: string; exp: number } | { sub: string; before: number };

/**
 * The outbox subject of revocation rows. Not a NATS subject: the revocation relay writes these
 * rows into the revocations KV bucket, never onto the events stream.
 */
export const REVOCATION_OUTBOX_SUBJECT = 'kv.revocations';

/** The revoked-before time of a user revoked now: seconds, as tokens carry `iat`. */
export function revokedBeforeNow(): number {
  return Math.floor(Date.now() / 1000);
}

/** A revocation read back from an outbox row; undefined for anything else. */
export function parseRevocation(payload: unknown): Revocation | undefined {
  if (typeof payload !== 'object' || payload === null) {
    return undefined;
  }
  const value = payload as Record<string, unknown>;
  if (typeof value.jti === 'string' && typeof value.exp === 'number' && Number.isFinite(value.exp)) {
    return { jti: value.jti, exp: value.exp };
  }
  if (typeof value.sub === 'string' && typeof value.before === 'number' && Number.isFinite(value.before)) {
    return { sub: value.sub, before: value.before };
  }
  return undefined;
}
