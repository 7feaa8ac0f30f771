import { type InvalidTokenError } from '../auth.errors';
import { checkClaims, type ClaimPolicy } from './claims';

const now = 1_800_000_000;
const policy: ClaimPolicy = {
  issuer: 'http://auth',
  audience: 'orders',
  clockToleranceSeconds: 5,
  maxTokenLifetimeSeconds: 3600,
  allowedActors: ['client:profile'],
};
const segment = (claims: Record<string, unknown>) =>
  Buffer.from(
    JSON.stringify({ iss: 'http://auth', aud: ['orders'], sub: 'u1', jti: 'j1', iat: now, exp: now + 60, ...claims }),
  ).toString('base64url');
const reason = (claims: Record<string, unknown>, p = policy) => {
  try {
    checkClaims(segment(claims), p, now);
    return 'accepted';
  } catch (e) {
    return (e as InvalidTokenError).reason;
  }
};

describe('act (RFC 8693) policy', () => {
  it('exposes an allowed actor on the principal', () => {
    expect(checkClaims(segment({ act: { sub: 'client:profile' } }), policy, now).fields.actor).toBe('client:profile');
  });

  it('leaves a token without act as it was', () => {
    expect(checkClaims(segment({}), policy, now).fields.actor).toBeUndefined();
  });

  it('refuses an actor the service does not allow, and every actor by default', () => {
    expect(reason({ act: { sub: 'client:orders' } })).toBe('actor_not_allowed');
    expect(reason({ act: { sub: 'client:profile' } }, { ...policy, allowedActors: [] })).toBe('actor_not_allowed');
  });

  it.each([['client:profile'], [null], [[{ sub: 'client:profile' }]], [{}], [{ sub: 1 }], [{ sub: '' }]])(
    'refuses a malformed act %j',
    (act) => {
      expect(reason({ act })).toBe('act_shape');
    },
  );

  it('refuses a nested act (a chain of actors is never issued)', () => {
    expect(reason({ act: { sub: 'client:profile', act: { sub: 'client:x' } } })).toBe('act_shape');
  });
});
