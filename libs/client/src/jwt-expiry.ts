/**
 * The `exp` of a JWT in milliseconds, read without verifying: only to decide when to refresh.
 * The services verify the token; the client never trusts anything else it reads here.
 */
export function expiresAt(jwt: string): number | undefined {
  const payload = jwt.split('.')[1];
  if (!payload) {
    return undefined;
  }
  try {
    const b64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    const exp = typeof claims === 'object' && claims !== null ? (claims as { exp?: unknown }).exp : undefined;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
