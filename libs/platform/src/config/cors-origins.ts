/** Host names a plain-http origin may have in production: the browser and the API on one machine. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
/** A DNS name, an IPv4 address or a bracketed IPv6 address: no `*` or other pattern characters. */
const HOST_PATTERN = /^(\[[0-9a-f:.]+\]|[a-z0-9_-]+(\.[a-z0-9_-]+)*)$/;

/**
 * Splits CORS_ORIGINS into exact origins and the problems with it. Each entry must be an
 * origin exactly as a browser sends it in `Origin` (RFC 6454 §6.1: scheme, lower-case host,
 * port only when not the default; no path, not even "/"), because the comparison is a plain
 * string match: a wildcard or a pattern would let an origin nobody listed read the responses
 * with the user's credentials. Production refuses http:// except on loopback, since a
 * console served over plain HTTP can be rewritten in transit. Problems name entries by
 * position, never by value (house rule for configuration messages).
 */
export function parseCorsOrigins(
  value: string | undefined,
  production: boolean,
): { origins: string[]; problems: string[] } {
  if (value === undefined || value.trim() === '') {
    return { origins: [], problems: [] };
  }
  const origins: string[] = [];
  const problems: string[] = [];
  value.split(',').forEach((raw, index) => {
    const entry = raw.trim();
    const which = `CORS_ORIGINS entry ${index + 1}`;
    if (entry === '*' || entry === 'null') {
      problems.push(`${which}: wildcards and "null" are not allowed; list each origin (responses carry credentials)`);
      return;
    }
    let url: URL | undefined;
    try {
      url = new URL(entry);
    } catch {
      url = undefined;
    }
    if (
      !url ||
      (url.protocol !== 'http:' && url.protocol !== 'https:') ||
      url.origin !== entry ||
      !HOST_PATTERN.test(url.hostname)
    ) {
      problems.push(
        `${which}: must be an http(s) origin such as https://console.example.com (lower-case host, port only if not the default, no path or trailing slash)`,
      );
      return;
    }
    if (production && url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
      problems.push(`${which}: must use https in production (plain http is allowed only for localhost)`);
      return;
    }
    if (!origins.includes(entry)) {
      origins.push(entry);
    }
  });
  return { origins: problems.length === 0 ? origins : [], problems };
}
