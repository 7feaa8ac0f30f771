import { bearerChallenge } from './bearer-challenge';

describe('bearerChallenge', () => {
  it('is the bare realm for a request without credentials', () => {
    expect(bearerChallenge()).toBe('Bearer realm="tessera"');
  });

  it('lists the parameters after the realm, in the order given', () => {
    expect(bearerChallenge({ error: 'insufficient_scope', scope: 'admin' })).toBe(
      'Bearer realm="tessera", error="insufficient_scope", scope="admin"',
    );
    expect(bearerChallenge({ error: 'invalid_token', error_description: 'The access token is invalid.' })).toBe(
      'Bearer realm="tessera", error="invalid_token", error_description="The access token is invalid."',
    );
  });
});
