import { InvalidTokenError } from '../auth.errors';
import type { Principal } from '../principal';

export interface ClaimPolicy {
  issuer: string;
  audience: string;
  clockToleranceSeconds: number;
  maxTokenLifetimeSeconds: number;
  /** The `act.sub` values an exchanged token may carry here; a token with any other actor is refused. */
  allowedActors: readonly string[];
}

export interface CheckedClaims {
  fields: Omit<Principal, 'token'>;
  iat: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
const NO_SCOPES: readonly string[] = Object.freeze([]);

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function reject(reason: string, description?: string): never {
  throw new InvalidTokenError(description, reason);
}

/**
 * The claims (RFC 8725 §3.8-3.10, RFC 9068 §4) of an already signature-checked payload:
 * `iss` exact, `aud` naming this service, `exp` and `iat` required numbers, `nbf` honoured,
 * `iat` not in the future, `exp - iat` bounded, and the types of what the principal carries.
 * Each failure is the same 401 to the caller; `reason` is for logs and tests only.
 * `anyAudience` waives the `aud` check alone, for recognising a token this issuer signed for
 * another service (TokenVerifier.inspect); it never authorises a request.
 */
export function checkClaims(
  payloadSegment: string,
  policy: ClaimPolicy,
  nowSeconds: number,
  anyAudience = false,
): CheckedClaims {
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(payloadSegment, 'base64url').toString('utf8'));
  } catch {
    reject('malformed_payload');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    reject('malformed_payload');
  }
  const c = payload as Record<string, unknown>;
  const tolerance = policy.clockToleranceSeconds;
  if (c.iss !== policy.issuer) {
    reject('wrong_issuer');
  }
  const aud = c.aud;
  // `anyAudience` last: a token for this service never evaluates it.
  if (aud !== policy.audience && !(Array.isArray(aud) && aud.includes(policy.audience)) && !anyAudience) {
    reject('wrong_audience');
  }
  if (!isFiniteNumber(c.exp) || !isFiniteNumber(c.iat)) {
    reject('missing_time_claims');
  }
  if (c.exp <= nowSeconds - tolerance) {
    reject('expired', 'The access token has expired.');
  }
  if (c.nbf !== undefined && (!isFiniteNumber(c.nbf) || c.nbf > nowSeconds + tolerance)) {
    reject('not_yet_valid');
  }
  if (c.iat > nowSeconds + tolerance) {
    reject('iat_in_future');
  }
  if (c.exp - c.iat > policy.maxTokenLifetimeSeconds) {
    reject('lifetime_too_long');
  }
  const { sub, jti } = c;
  if (typeof sub !== 'string' || sub.length === 0 || typeof jti !== 'string' || jti.length === 0) {
    reject('claim_types');
  }
  const roles = c.roles ?? [];
  if (!Array.isArray(roles) || !roles.every((r): r is string => typeof r === 'string')) {
    reject('claim_types');
  }
  const scope = c.scope ?? '';
  const clientId = c.client_id;
  if (typeof scope !== 'string' || (clientId !== undefined && typeof clientId !== 'string')) {
    reject('claim_types');
  }
  // `payload` was parsed here and is referenced by nothing else: its arrays are frozen in place.
  const fields: Mutable<CheckedClaims['fields']> = {
    sub,
    jti,
    exp: c.exp,
    roles: Object.freeze(roles),
    scopes: scope === '' ? NO_SCOPES : Object.freeze(scope.split(' ').filter((s) => s.length > 0)),
  };
  if (clientId !== undefined) {
    fields.clientId = clientId;
  }
  if (c.act !== undefined) {
    fields.actor = actorOf(c.act, policy, anyAudience);
  }
  return { iat: c.iat, fields };
}

/**
 * `act` (RFC 8693 §4.1) exactly as Tessera issues it: an object whose only member is a
 * non-empty string `sub`. Anything else, a nested `act` (a chain of actors, never issued) included,
 * is malformed. An actor this service does not allow is refused like a token for another
 * audience (invalid_token, 401): the token is not one this service accepts at all, whatever
 * scope it has. `anyAudience` (inspecting a token for any service) waives the allow-list alone.
 */
function actorOf(act: unknown, policy: ClaimPolicy, anyAudience: boolean): string {
  if (typeof act !== 'object' || act === null || Array.isArray(act)) {
    reject('act_shape');
  }
  const { sub, ...rest } = act as Record<string, unknown>;
  if (typeof sub !== 'string' || sub.length === 0 || Object.keys(rest).length > 0) {
    reject('act_shape');
  }
  if (!anyAudience && !policy.allowedActors.includes(sub)) {
    reject('actor_not_allowed');
  }
  return sub;
}
