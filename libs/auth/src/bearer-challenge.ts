/** The realm of every challenge Tessera sends (RFC 9110 §11.6.1). */
export const AUTH_REALM = 'tessera';

/**
 * An RFC 6750 §3 `WWW-Authenticate: Bearer` challenge: the realm, then the given parameters in
 * order. No parameters is the answer to a request without credentials (§3.1).
 */
export function bearerChallenge(params: Readonly<Record<string, string>> = {}): string {
  return [`Bearer realm="${AUTH_REALM}"`, ...Object.entries(params).map(([name, value]) => `${name}="${value}"`)].join(
    ', ',
  );
}
