import { loadAuthConfig } from '../config/auth.config';
import { InvalidScopeError } from './oauth.errors';
import { ServiceClientsService } from './service-clients.service';

const ordersSecret = 'o'.repeat(43);

function clients(env: Record<string, string> = {}, printed: string[] = []): ServiceClientsService {
  const config = loadAuthConfig({
    NODE_ENV: 'test',
    SERVICE_CLIENTS: 'orders=profile:read,profile=orders:read orders:write',
    SERVICE_CLIENT_SECRET_ORDERS: ordersSecret,
    ...env,
  });
  return new ServiceClientsService(config, (text) => printed.push(text));
}

describe('ServiceClientsService', () => {
  it('authenticates a client with its secret', () => {
    expect(clients().authenticate('orders', ordersSecret)).toEqual({ id: 'orders', scopes: ['profile:read'] });
  });

  it('refuses a wrong secret, an unknown client, and another client’s secret alike', () => {
    const registry = clients({ SERVICE_CLIENT_SECRET_PROFILE: 'p'.repeat(43) });
    expect(registry.authenticate('orders', 'p'.repeat(43))).toBeUndefined();
    expect(registry.authenticate('orders', `${ordersSecret}x`)).toBeUndefined();
    expect(registry.authenticate('orders', '')).toBeUndefined();
    expect(registry.authenticate('billing', ordersSecret)).toBeUndefined();
    expect(registry.authenticate('__proto__', ordersSecret)).toBeUndefined();
  });

  it('keeps no secret in the clear', () => {
    const registry = clients();
    const seen = new WeakSet<object>();
    const walk = (value: unknown): string =>
      typeof value === 'string'
        ? value
        : Buffer.isBuffer(value)
          ? value.toString('latin1')
          : value instanceof Map
            ? walk([...value.entries()])
            : typeof value === 'object' && value !== null && !seen.has(value)
              ? (seen.add(value), Object.values(value).map(walk).join('|'))
              : '';
    expect(walk(registry)).not.toContain(ordersSecret);
  });

  describe('development secrets', () => {
    it('generates and prints a secret for a client without one in development, once, saying so', () => {
      const printed: string[] = [];
      const registry = clients({ NODE_ENV: 'development' }, printed);
      expect(printed).toHaveLength(1);
      expect(printed[0]).toMatch(/^Development default: service client "profile" has the generated secret /);
      expect(printed[0]).toContain('SERVICE_CLIENT_SECRET_PROFILE');
      expect(printed[0]).not.toContain(ordersSecret);
      const generated = /generated secret (\S+)/.exec(printed[0])![1];
      expect(generated).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(registry.authenticate('profile', generated)).toMatchObject({ id: 'profile' });
    });

    it('generates a different secret on every start', () => {
      const a: string[] = [];
      const b: string[] = [];
      clients({ NODE_ENV: 'development' }, a);
      clients({ NODE_ENV: 'development' }, b);
      expect(a[0]).not.toBe(b[0]);
    });

    it('prints nothing in test mode, where the generated secret is simply unknown to anyone', () => {
      const printed: string[] = [];
      clients({}, printed);
      expect(printed).toEqual([]);
    });
  });

  describe('grantScopes', () => {
    const registry = clients({ SERVICE_CLIENT_SECRET_PROFILE: 'p'.repeat(43) });
    const profile = registry.authenticate('profile', 'p'.repeat(43))!;

    it('grants every allowed scope when none is asked for', () => {
      expect(registry.grantScopes(profile, undefined)).toEqual(['orders:read', 'orders:write']);
    });

    it('grants exactly the allowed scopes asked for, once each', () => {
      expect(registry.grantScopes(profile, 'orders:write')).toEqual(['orders:write']);
      expect(registry.grantScopes(profile, 'orders:write orders:read orders:write')).toEqual([
        'orders:write',
        'orders:read',
      ]);
    });

    it.each(['profile:read', 'orders:read profile:read', 'orders:read  orders:write', ' orders:read', 'orders:"read"'])(
      'refuses %j with invalid_scope',
      (scope) => {
        expect(() => registry.grantScopes(profile, scope)).toThrow(InvalidScopeError);
      },
    );
  });

  describe('for the operator', () => {
    it('lists the declared clients in order, saying which have a configured secret and never showing one', () => {
      const registry = clients({ NODE_ENV: 'development' });
      expect(registry.list()).toEqual([
        {
          clientId: 'orders',
          scopes: ['profile:read'],
          secretVariable: 'SERVICE_CLIENT_SECRET_ORDERS',
          secretSet: true,
        },
        {
          clientId: 'profile',
          scopes: ['orders:read', 'orders:write'],
          secretVariable: 'SERVICE_CLIENT_SECRET_PROFILE',
          secretSet: false,
        },
      ]);
      expect(JSON.stringify(registry.list())).not.toContain(ordersSecret);
    });

    it('makes a fresh 256-bit secret for a declared client without changing the one in use', () => {
      const registry = clients();
      const fresh = registry.newSecret('orders');
      expect(fresh).toEqual({
        variable: 'SERVICE_CLIENT_SECRET_ORDERS',
        secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      });
      expect(registry.newSecret('orders')?.secret).not.toBe(fresh?.secret);
      expect(registry.authenticate('orders', fresh!.secret)).toBeUndefined();
      expect(registry.authenticate('orders', ordersSecret)).toMatchObject({ id: 'orders' });
    });

    it('makes no secret for a client SERVICE_CLIENTS does not declare', () => {
      expect(clients().newSecret('billing')).toBeUndefined();
    });
  });

  it('lists every scope of every client for discovery', () => {
    expect(clients().allScopes()).toEqual(['profile:read', 'orders:read', 'orders:write']);
  });
});
