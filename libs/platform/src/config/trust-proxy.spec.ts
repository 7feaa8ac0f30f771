import { parseTrustProxy } from './trust-proxy';

describe('parseTrustProxy (TRUST_PROXY)', () => {
  it('trusts no proxy when unset or empty: request.ip is the TCP peer', () => {
    expect(parseTrustProxy(undefined)).toEqual({ proxies: [], problems: [] });
    expect(parseTrustProxy('  ')).toEqual({ proxies: [], problems: [] });
  });

  it('accepts addresses, CIDR ranges and the named ranges, comma-separated', () => {
    expect(parseTrustProxy('10.0.0.7, 172.16.0.0/12,uniquelocal, ::1, fd00::/8, loopback')).toEqual({
      proxies: ['10.0.0.7', '172.16.0.0/12', 'uniquelocal', '::1', 'fd00::/8', 'loopback'],
      problems: [],
    });
  });

  it.each([
    ['a hop count', '1'],
    ['true (every caller)', 'true'],
    ['a host name', 'gateway'],
    ['an IPv4 prefix over 32', '10.0.0.0/33'],
    ['an IPv6 prefix over 128', 'fd00::/129'],
    ['a malformed range', '10.0.0.0/8/8'],
    ['an empty entry', '10.0.0.1,'],
  ])('refuses %s, naming the entry by position only', (_case, value) => {
    const { proxies, problems } = parseTrustProxy(value);
    expect(proxies).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^TRUST_PROXY entry \d: must be an IP address/);
  });
});
