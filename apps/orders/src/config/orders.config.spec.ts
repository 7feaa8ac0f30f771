import { authModuleOptions } from '@tessera/auth';
import { ConfigValidationError } from '@tessera/platform';

import { loadOrdersConfig } from './orders.config';

const base = { AUTH_ISSUER: 'http://localhost:3001', AUTH_JWKS_URL: 'http://127.0.0.1:3001/.well-known/jwks.json' };

describe('loadOrdersConfig', () => {
  it('accepts tokens exchanged by profile, and no other actor, by default', () => {
    expect(loadOrdersConfig(base).AUTH_ALLOWED_ACTORS).toBe('client:profile');
    // An empty variable is unset to the loader: it keeps the default, it does not mean "none".
    expect(loadOrdersConfig({ ...base, AUTH_ALLOWED_ACTORS: '' }).AUTH_ALLOWED_ACTORS).toBe('client:profile');
    const none = loadOrdersConfig({ ...base, AUTH_ALLOWED_ACTORS: 'none' });
    expect(authModuleOptions('orders', none).allowedActors).toEqual([]);
    const two = loadOrdersConfig({ ...base, AUTH_ALLOWED_ACTORS: 'client:profile,client:reports' });
    expect(authModuleOptions('orders', two).allowedActors).toEqual(['client:profile', 'client:reports']);
  });

  it('refuses an AUTH_ALLOWED_ACTORS entry that is not client:<id>, with the rule the verifiers share', () => {
    let error: unknown;
    try {
      loadOrdersConfig({ ...base, AUTH_ALLOWED_ACTORS: 'profile' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect((error as Error).message).toContain('AUTH_ALLOWED_ACTORS must be none or comma-separated "client:<id>"');
  });
});
