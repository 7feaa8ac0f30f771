/** Who is calling, as proven by a verified access token. */
export interface Principal {
  /** `sub`: a user id, or `client:<id>` for a service token. */
  readonly sub: string;
  readonly roles: readonly string[];
  readonly scopes: readonly string[];
  readonly clientId?: string;
  /**
   * `act.sub` (RFC 8693 §4.1) of an exchanged token: the service acting for `sub`, such as
   * `client:profile`. Only ever set on a token the verifying service allows that actor for.
   */
  readonly actor?: string;
  readonly jti: string;
  /** Expiry, seconds since the epoch. */
  readonly exp: number;
  /**
   * The raw token, for forwarding it on the caller's behalf. Not an own enumerable property, so
   * it never reaches a log line or a response through JSON.stringify or a spread.
   */
  readonly token: string;
}

/**
 * A class rather than `defineProperty` on a plain object: the token lives in a private field
 * behind a getter on the prototype, which costs about a twentieth as much per new token (a
 * verification hot path; README.md, "Performance") and is just as invisible to JSON.stringify and
 * spreads.
 */
class VerifiedPrincipal implements Principal {
  readonly sub: string;
  readonly roles: readonly string[];
  readonly scopes: readonly string[];
  declare readonly clientId?: string;
  declare readonly actor?: string;
  readonly jti: string;
  readonly exp: number;
  readonly #token: string;

  constructor(fields: Omit<Principal, 'token'>, token: string) {
    this.sub = fields.sub;
    this.roles = fields.roles;
    this.scopes = fields.scopes;
    if (fields.clientId !== undefined) {
      this.clientId = fields.clientId;
    }
    if (fields.actor !== undefined) {
      this.actor = fields.actor;
    }
    this.jti = fields.jti;
    this.exp = fields.exp;
    this.#token = token;
    Object.freeze(this);
  }

  get token(): string {
    return this.#token;
  }
}

export function createPrincipal(fields: Omit<Principal, 'token'>, token: string): Principal {
  return new VerifiedPrincipal(fields, token);
}

/**
 * Whether the caller is a service acting as itself (a client_credentials token: `sub`
 * `client:<client_id>`, no `act` delegation), not a user nor anyone acting for one. Scopes that
 * reach other users' data (`orders:read` reading any user's summary) are honoured only for such a
 * caller: a user's token carries the same scope names for their own data (SECURITY.md, "Scopes").
 */
export function isServicePrincipal(principal: Principal): boolean {
  return (
    principal.clientId !== undefined &&
    principal.sub === `client:${principal.clientId}` &&
    principal.actor === undefined
  );
}
