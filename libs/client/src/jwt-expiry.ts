/**
 * The `exp` and `iat` of a JWT in milliseconds, read without verifying: only to decide when to
 * refresh. The services verify the token; the client never trusts anything else it reads here.
 */
export function tokenTimes(jwt: string): { exp?: number; iat?: number } {
  const payload = jwt.split('.')[1];
  if (!payload) {
    return {};
  }
  try {
    const b64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof claims !== 'object' || claims === null) {
      return {};
    }
    const { exp, iat } = claims as { exp?: unknown; iat?: unknown };
    return {
      exp: typeof exp === 'number' ? exp * 1000 : undefined,
      iat: typeof iat === 'number' ? iat * 1000 : undefined,
    };
  } catch {
    return {};
  }
}

/** The `exp` of a JWT in milliseconds, read without verifying (see tokenTimes). */
export function expiresAt(jwt: string): number | undefined {
  return tokenTimes(jwt).exp;
}
