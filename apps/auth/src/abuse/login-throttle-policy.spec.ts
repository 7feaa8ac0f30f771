import type { AccountCounterPolicy } from '../config/login-throttle';
import { accountKey, addressKey, lockoutSeconds } from './login-throttle-policy';

const policy: AccountCounterPolicy = {
  maxFailures: 5,
  windowSeconds: 86_400,
  lockoutBaseSeconds: 1,
  lockoutMaxSeconds: 900,
};

describe('lockoutSeconds', () => {
  it('does not lock below the failure threshold', () => {
    expect([1, 2, 3, 4].map((f) => lockoutSeconds(f, policy))).toEqual([0, 0, 0, 0]);
  });

  it('doubles from the base with every failure from the threshold on', () => {
    expect([5, 6, 7, 8, 9].map((f) => lockoutSeconds(f, policy))).toEqual([1, 2, 4, 8, 16]);
    expect(lockoutSeconds(6, { ...policy, lockoutBaseSeconds: 30 })).toBe(60);
  });

  it('never locks longer than the maximum, however many failures', () => {
    expect(lockoutSeconds(14, policy)).toBe(512);
    expect(lockoutSeconds(15, policy)).toBe(900);
    expect(lockoutSeconds(1_000_000, policy)).toBe(900);
    expect(lockoutSeconds(7, { ...policy, lockoutMaxSeconds: 2 })).toBe(2);
  });
});

describe('counter keys', () => {
  it('keys an account by the SHA-256 of its normalised email, never the email itself', () => {
    const key = accountKey('  Ada@Example.COM ');
    expect(key).toMatch(/^acct:[0-9a-f]{64}$/);
    expect(key.toLowerCase()).not.toContain('ada');
    expect(accountKey('Ada@example.com')).toBe(key);
    // Every spelling of one address is one account, so one counter (database/email.ts).
    expect(accountKey('ADA@example.com')).toBe(key);
    expect(accountKey('"ada"@example.com')).toBe(key);
    expect(accountKey('ada2@example.com')).not.toBe(key);
  });

  it('keys an address as ip:<addr>', () => {
    expect(addressKey('::1')).toBe('ip:::1');
  });
});
