import { Buckets, namespacedBucket, namespacedSubject, NAMESPACE_PATTERN, Subjects } from './subjects';

describe('namespacing', () => {
  it('leaves names unchanged when no namespace is set', () => {
    expect(namespacedSubject(undefined, Subjects.ProfileGet)).toBe('profile.get.v1');
    expect(namespacedBucket(undefined, Buckets.Keys)).toBe('tessera_keys');
  });

  it('prefixes subjects with "<ns>." and buckets with "<ns>_"', () => {
    expect(namespacedSubject('run1', Subjects.OrdersSummary)).toBe('run1.orders.summary.v1');
    expect(namespacedBucket('run1', Buckets.Revocations)).toBe('run1_tessera_revocations');
  });

  it('accepts only namespaces that are safe in subjects and stream names', () => {
    expect(NAMESPACE_PATTERN.test('ci_42-a')).toBe(true);
    for (const bad of ['a.b', 'a b', '*', '>', '', 'x'.repeat(33)]) {
      expect(NAMESPACE_PATTERN.test(bad)).toBe(false);
    }
  });
});
