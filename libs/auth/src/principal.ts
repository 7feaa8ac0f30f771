/** Who is calling, as proven by a verified access token. */
export interface Principal {
  /** `sub`: a user id, or `client:<id>` for a service token. */
  readonly sub: string;
  readonly roles: readonly string[];
  readonly scopes: readonly string[];
  readonly clientId?: string;
  readonly jti: string;
  /** Expiry, seconds since the epoch. */
  readonly exp: number;
  /**
   * The raw token, for forwarding it on the caller's behalf. Not enumerable, so it never
   * reaches a log line or a response through JSON.stringify.
   */
  readonly token: string;
}

export function createPrincipal(fields: Omit<Principal, 'token'>, token: string): Principal {
  const principal = { ...fields } as Principal;
  Object.defineProperty(principal, 'token', { value: token, enumerable: false });
  return Object.freeze(principal);
}
