/** Longest redirect URI accepted; browsers and proxies handle far longer, no real one needs more. */
export const REDIRECT_URI_MAX_LENGTH = 2000;

/** The hosts an http redirect URI may name, outside production only (RFC 8252 §7.3 loopback). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** A URI scheme (RFC 3986 §3.1), lowercase as the URL parser returns it. */
const SCHEME = /^([a-z][a-z0-9+.-]*):/;

export interface RedirectUriPolicy {
  /** http://127.0.0.1, http://[::1] and http://localhost with any port: development and tests only. */
  allowLoopbackHttp: boolean;
}

/** The RedirectUriPolicy of this process (ClientsModule), for the route and the CLI alike. */
export const REDIRECT_URI_POLICY = 'REDIRECT_URI_POLICY';

/** Loopback http redirect URIs everywhere but production (NODE_ENV=production). */
export function redirectUriPolicyFor(config: { production: boolean }): RedirectUriPolicy {
  return { allowLoopbackHttp: !config.production };
}

/**
 * Why `uri` cannot be registered as a redirect URI, or undefined when it can. Redirect URIs are
 * compared to the registered string exactly (port included), so the rules keep that string
 * unambiguous: it must be absolute and already in the WHATWG URL parser's canonical form (what
 * a browser sends back), with no fragment (RFC 6749 §3.1.2), no wildcard, no userinfo (RFC 9700
 * §4.1.1 and §2.1: nothing a parser could read two ways). https everywhere; http only to the
 * loopback in development; a native app's private-use scheme only in reverse-domain form
 * (RFC 8252 §7.1, `com.example.app:/callback`), which also rules out `javascript:`, `data:`
 * and `file:`.
 */
export function redirectUriProblem(uri: string, policy: RedirectUriPolicy): string | undefined {
  if (uri.length === 0 || uri.length > REDIRECT_URI_MAX_LENGTH) {
    return `must be 1 to ${REDIRECT_URI_MAX_LENGTH} characters long`;
  }
  // Spaces, controls and non-ASCII: the parser would silently strip or encode them.
  if (!/^[\x21-\x7e]+$/.test(uri)) {
    return 'must be printable ASCII without spaces (percent-encode anything else)';
  }
  if (uri.includes('#')) {
    return 'must not have a fragment';
  }
  if (uri.includes('*')) {
    return 'must not contain a wildcard (redirect URIs are matched exactly)';
  }
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URI';
  }
  const scheme = SCHEME.exec(uri)?.[1];
  if (scheme === undefined || scheme !== url.protocol.slice(0, -1)) {
    return 'must be an absolute URI with a lowercase scheme';
  }
  if (url.username !== '' || url.password !== '' || /^[^:]+:\/\/[^/?]*@/.test(uri)) {
    return 'must not contain userinfo (user:password@)';
  }
  if (scheme === 'https') {
    if (url.hostname === '') {
      return 'must name a host';
    }
  } else if (scheme === 'http') {
    if (!policy.allowLoopbackHttp) {
      return 'must use https (http is accepted for a loopback address in development only)';
    }
    if (!LOOPBACK_HOSTS.has(url.hostname)) {
      return 'must use https; http only for 127.0.0.1, [::1] or localhost in development';
    }
  } else if (!scheme.includes('.')) {
    return 'must use https, or a reverse-domain private-use scheme for a native app (com.example.app:/callback)';
  }
  if (url.href !== uri) {
    return `must be written in canonical form: ${JSON.stringify(url.href)}`;
  }
  return undefined;
}
