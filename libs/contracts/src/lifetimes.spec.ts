import type { LifetimeBounds } from './lifetimes';
import {
  ACCESS_TOKEN_TTL,
  checkLifetimes,
  CLOCK_TOLERANCE_SECONDS,
  EXCHANGED_TOKEN_MAX_TTL_SECONDS,
  keyRetentionSeconds,
  MAX_ACCEPTED_TOKEN_LIFETIME_SECONDS,
  REFRESH_ABSOLUTE,
  REFRESH_IDLE,
  REFRESH_REUSE_GRACE,
  REVOCATION_MAX_STALENESS,
  REVOCATION_TTL_SECONDS,
  SERVICE_TOKEN_TTL_SECONDS,
  serviceTokenRenewAfterSeconds,
} from './lifetimes';

const defaults = {
  accessTokenSeconds: ACCESS_TOKEN_TTL.default,
  refreshIdleSeconds: REFRESH_IDLE.default,
  refreshAbsoluteSeconds: REFRESH_ABSOLUTE.default,
  keyRetentionSeconds: keyRetentionSeconds(ACCESS_TOKEN_TTL.default),
};

describe('token lifetimes', () => {
  it('issues no token, access or service, longer-lived than a verifier accepts', () => {
    expect(ACCESS_TOKEN_TTL.max).toBeLessThanOrEqual(MAX_ACCEPTED_TOKEN_LIFETIME_SECONDS);
    expect(SERVICE_TOKEN_TTL_SECONDS).toBeLessThanOrEqual(MAX_ACCEPTED_TOKEN_LIFETIME_SECONDS);
  });

  it('bounds an exchanged token to 5 minutes, within what key retention and verifiers cover', () => {
    expect(EXCHANGED_TOKEN_MAX_TTL_SECONDS).toBeLessThanOrEqual(5 * 60);
    expect(EXCHANGED_TOKEN_MAX_TTL_SECONDS).toBeLessThanOrEqual(SERVICE_TOKEN_TTL_SECONDS);
    expect(EXCHANGED_TOKEN_MAX_TTL_SECONDS).toBeLessThanOrEqual(MAX_ACCEPTED_TOKEN_LIFETIME_SECONDS);
    expect(keyRetentionSeconds(ACCESS_TOKEN_TTL.min)).toBeGreaterThanOrEqual(
      EXCHANGED_TOKEN_MAX_TTL_SECONDS + CLOCK_TOLERANCE_SECONDS,
    );
  });

  it('keeps a revocation until every token it can revoke is refused anyway', () => {
    expect(MAX_ACCEPTED_TOKEN_LIFETIME_SECONDS + CLOCK_TOLERANCE_SECONDS).toBeLessThanOrEqual(REVOCATION_TTL_SECONDS);
  });

  it('keeps a retired key published until every token it signed has expired, at any access lifetime', () => {
    for (const access of [ACCESS_TOKEN_TTL.min, ACCESS_TOKEN_TTL.default, ACCESS_TOKEN_TTL.max]) {
      expect(keyRetentionSeconds(access)).toBeGreaterThanOrEqual(
        Math.max(access, SERVICE_TOKEN_TTL_SECONDS) + CLOCK_TOLERANCE_SECONDS,
      );
    }
  });

  it('retires keys after 16 minutes with the default access lifetime (a quarter hour plus a minute)', () => {
    expect(keyRetentionSeconds(ACCESS_TOKEN_TTL.default)).toBe(960);
    expect(keyRetentionSeconds(ACCESS_TOKEN_TTL.min)).toBe(SERVICE_TOKEN_TTL_SECONDS + 60);
  });

  it('renews a service token while a verifier with a clock ahead by the tolerance still accepts it', () => {
    const renewAt = serviceTokenRenewAfterSeconds(SERVICE_TOKEN_TTL_SECONDS);
    expect(renewAt).toBe(240);
    expect(renewAt + CLOCK_TOLERANCE_SECONDS).toBeLessThan(SERVICE_TOKEN_TTL_SECONDS);
    // Whatever lifetime an issuer answers with, the token is renewed before it ends.
    for (const lifetime of [1, 10, 60, 300, 900, 3600]) {
      expect(serviceTokenRenewAfterSeconds(lifetime)).toBeLessThan(lifetime);
    }
    expect(serviceTokenRenewAfterSeconds(3600)).toBe(3540);
  });

  it('has every default within its bounds, and the production floor within the range', () => {
    const bounds: [string, LifetimeBounds][] = [
      ['access', ACCESS_TOKEN_TTL],
      ['refresh idle', REFRESH_IDLE],
      ['refresh absolute', REFRESH_ABSOLUTE],
      ['reuse grace', REFRESH_REUSE_GRACE],
      ['revocation staleness', REVOCATION_MAX_STALENESS],
    ];
    for (const [name, b] of bounds) {
      expect([name, b.min <= b.default && b.default <= b.max]).toEqual([name, true]);
    }
    expect(ACCESS_TOKEN_TTL.min).toBeLessThan(ACCESS_TOKEN_TTL.minProduction);
    expect(ACCESS_TOKEN_TTL.minProduction).toBeLessThanOrEqual(ACCESS_TOKEN_TTL.default);
    // Even the shortest token outlives the clock tolerance.
    expect(ACCESS_TOKEN_TTL.min).toBeGreaterThan(CLOCK_TOLERANCE_SECONDS);
  });

  it('lets a refresh session outlive an access token, within its absolute lifetime', () => {
    expect(REFRESH_IDLE.default).toBeGreaterThan(ACCESS_TOKEN_TTL.max);
    expect(REFRESH_IDLE.min).toBeGreaterThan(ACCESS_TOKEN_TTL.minProduction);
    expect(REFRESH_IDLE.default).toBeLessThanOrEqual(REFRESH_ABSOLUTE.default);
  });
});

describe('checkLifetimes', () => {
  it('finds nothing wrong with the defaults, in production or not', () => {
    expect(checkLifetimes(defaults)).toEqual([]);
    expect(checkLifetimes({ ...defaults, production: true })).toEqual([]);
    expect(checkLifetimes({})).toEqual([]);
  });

  it('accepts the extremes of every range that production allows', () => {
    for (const access of [ACCESS_TOKEN_TTL.minProduction, ACCESS_TOKEN_TTL.max]) {
      expect(
        checkLifetimes({
          ...defaults,
          production: true,
          accessTokenSeconds: access,
          keyRetentionSeconds: keyRetentionSeconds(access),
        }),
      ).toEqual([]);
    }
  });

  it('allows 10 to 59 s access tokens outside production only', () => {
    expect(checkLifetimes({ accessTokenSeconds: 10 })).toEqual([]);
    expect(checkLifetimes({ accessTokenSeconds: 59, production: true })).toEqual([
      'ACCESS_TOKEN_TTL_SECONDS must be at least 60 in production (shorter lifetimes are for tests)',
    ]);
    expect(checkLifetimes({ accessTokenSeconds: 9 })).toEqual(['ACCESS_TOKEN_TTL_SECONDS must be 10 to 3600']);
  });

  it('refuses access tokens longer than the verifiers accept, naming both settings', () => {
    expect(checkLifetimes({ accessTokenSeconds: 1800, maxAcceptedSeconds: 1200 })).toEqual([
      'ACCESS_TOKEN_TTL_SECONDS (1800) must not exceed maxTokenLifetimeSeconds (1200), the longest lifetime a verifier accepts',
    ]);
  });

  it('refuses a verifier maximum below the service-token lifetime', () => {
    expect(checkLifetimes({ maxAcceptedSeconds: 120 })).toEqual([
      'maxTokenLifetimeSeconds (120) must be at least SERVICE_TOKEN_TTL_SECONDS (300), or service tokens are refused',
    ]);
  });

  it('refuses a verifier maximum that would outlive its revocations', () => {
    expect(checkLifetimes({ maxAcceptedSeconds: 7200 })).toEqual([
      'maxTokenLifetimeSeconds + clockToleranceSeconds (7200 + 5) must not exceed REVOCATION_TTL_SECONDS (7200), or a revocation expires while its token is still accepted',
    ]);
    expect(checkLifetimes({ maxAcceptedSeconds: 7195, clockToleranceSeconds: 5 })).toEqual([]);
    expect(checkLifetimes({ maxAcceptedSeconds: 7195, clockToleranceSeconds: 6 })).toHaveLength(1);
  });

  it('refuses a key retention shorter than the tokens the key signed', () => {
    expect(checkLifetimes({ accessTokenSeconds: 900, keyRetentionSeconds: 900 })).toEqual([
      'key retention (900) must be at least the longest token lifetime plus clockToleranceSeconds (905), or tokens of a retired key fail before they expire',
    ]);
  });

  it('refuses refresh lifetimes that end too early or in the wrong order', () => {
    expect(checkLifetimes({ refreshIdleSeconds: 7200, refreshAbsoluteSeconds: 3600 })).toEqual([
      'REFRESH_IDLE_SECONDS must not exceed REFRESH_ABSOLUTE_SECONDS',
    ]);
    expect(checkLifetimes({ refreshIdleSeconds: 900, accessTokenSeconds: 900 })).toEqual([
      'REFRESH_IDLE_SECONDS must be longer than ACCESS_TOKEN_TTL_SECONDS',
    ]);
  });

  it('lists every broken rule at once', () => {
    expect(
      checkLifetimes({
        production: true,
        accessTokenSeconds: 30,
        refreshIdleSeconds: 20,
        refreshAbsoluteSeconds: 10,
        maxAcceptedSeconds: 8000,
      }),
    ).toHaveLength(4);
  });
});
