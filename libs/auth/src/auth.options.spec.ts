import {
  CLOCK_TOLERANCE_SECONDS,
  MAX_ACCEPTED_TOKEN_LIFETIME_SECONDS,
  REVOCATION_MAX_STALENESS,
} from '@tessera/contracts';

import { resolveAuthOptions } from './auth.options';

const issuer = 'http://issuer.test';
const audience = 'orders';

describe('resolveAuthOptions', () => {
  it('takes the lifetimes of libs/contracts by default', () => {
    expect(resolveAuthOptions({ issuer, audience })).toMatchObject({
      clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS,
      maxTokenLifetimeSeconds: MAX_ACCEPTED_TOKEN_LIFETIME_SECONDS,
      revocationMaxStalenessSeconds: REVOCATION_MAX_STALENESS.default,
    });
    expect(CLOCK_TOLERANCE_SECONDS).toBe(5);
    expect(MAX_ACCEPTED_TOKEN_LIFETIME_SECONDS).toBe(3600);
  });

  it('accepts a maximum lifetime of its own within the rules', () => {
    for (const maxTokenLifetimeSeconds of [300, 1800, 7195]) {
      expect(resolveAuthOptions({ issuer, audience, maxTokenLifetimeSeconds }).maxTokenLifetimeSeconds).toBe(
        maxTokenLifetimeSeconds,
      );
    }
  });

  it('refuses a maximum lifetime that would outlive the revocations, naming the options', () => {
    expect(() => resolveAuthOptions({ issuer, audience, maxTokenLifetimeSeconds: 7200 })).toThrow(
      'AuthModule options break the token lifetime rules: maxTokenLifetimeSeconds + clockToleranceSeconds (7200 + 5) must not exceed REVOCATION_TTL_SECONDS (7200), or a revocation expires while its token is still accepted',
    );
    expect(() =>
      resolveAuthOptions({ issuer, audience, maxTokenLifetimeSeconds: 7000, clockToleranceSeconds: 300 }),
    ).toThrow(
      /maxTokenLifetimeSeconds \+ clockToleranceSeconds \(7000 \+ 300\) must not exceed REVOCATION_TTL_SECONDS/,
    );
  });

  it('refuses a maximum lifetime below that of service tokens', () => {
    expect(() => resolveAuthOptions({ issuer, audience, maxTokenLifetimeSeconds: 60 })).toThrow(
      /maxTokenLifetimeSeconds \(60\) must be at least SERVICE_TOKEN_TTL_SECONDS \(300\), or service tokens are refused/,
    );
  });
});
