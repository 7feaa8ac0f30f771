import { randomUUID } from 'node:crypto';

import { testDatabaseTargets } from '@tessera/platform/testing';

import {
  expectInsufficientScope,
  expectInvalidRequest,
  expectInvalidToken,
  expectMissingToken,
  expectProblem,
  expectRpc,
} from './support/expect';
import { startSystem, type SecuritySystem, type TokenPair, type User } from './support/system';
import { expectRefusedEverywhere, hmacToken, userClaims } from './support/tokens';

/**
 * RFC 6750 (Bearer token usage): how the token travels (§2), what the challenge says (§3,
 * §3.1 invalid_request / invalid_token / insufficient_scope), and that only the token decides
 * who the caller is: no identity header, no userId in a body, no other kind of token.
 */
describe.each(testDatabaseTargets())('RFC 6750: bearer token usage on $name', (target) => {
  let s: SecuritySystem;
  let user: User & TokenPair;
  let victim: User & TokenPair;
  const forged = () => hmacToken('secret', { alg: 'HS256', typ: 'at+jwt', kid: 'k' }, userClaims(user.id));

  beforeAll(async () => {
    s = await startSystem(target, { services: true });
    [user, victim] = await Promise.all([s.session(), s.session()]);
    // Three apps, each booting its own database, on a 2-core machine that may be busy.
  }, 180_000);

  afterAll(() => s?.close());

  describe('§2.1 the Authorization request header field', () => {
    it('§3.1 no credentials: 401 with a bare Bearer challenge, over HTTP and NATS', async () => {
      expectMissingToken(await s.call('orders', 'GET', '/orders'));
      expectMissingToken(await s.call('profile', 'GET', '/profile/me'));
      expectMissingToken(await s.call('auth', 'GET', '/auth/me'));
      expectRpc(await s.rpcCall('profile', user.id, undefined), 401, 'missing_token');
      expectRpc(await s.rpcCall('orders', user.id, undefined), 401, 'missing_token');
    });

    it.each<[string, (t: string) => string]>([
      ['Basic scheme', (t) => `Basic ${t}`],
      ['Token scheme', (t) => `Token ${t}`],
      ['no scheme', (t) => t],
      ['"Bearer" with no token', () => 'Bearer'],
      ['"Bearer" and spaces', () => 'Bearer    '],
      ['two tokens in one header', (t) => `Bearer ${t} ${t}`],
      ['a comma-joined pair', (t) => `Bearer ${t}, Bearer ${t}`],
    ])('%s: 401 invalid_token over HTTP and NATS', async (_name, value) => {
      const header = value(user.access);
      expectInvalidToken(await s.call('orders', 'GET', '/orders', { headers: { authorization: header } }));
      expectInvalidToken(await s.call('profile', 'GET', '/profile/me', { headers: { authorization: header } }));
      expectRpc(await s.rpcCall('profile', user.id, header), 401, 'invalid_token');
    });

    it('the scheme is case-insensitive (RFC 9110 §11.1): "bearer" works', async () => {
      const res = await s.call('orders', 'GET', '/orders', { headers: { authorization: `bearer ${user.access}` } });
      expect(res.status).toBe(200);
    });

    it('§3.1 two Authorization headers, even identical ones: 400 invalid_request', async () => {
      for (const values of [
        [`Bearer ${user.access}`, `Bearer ${user.access}`],
        [`Bearer ${user.access}`, `Bearer ${victim.access}`],
        [`Bearer ${forged()}`, `Bearer ${user.access}`],
      ]) {
        expectInvalidRequest(await s.call('orders', 'GET', '/orders', { headers: { authorization: values } }));
        expectInvalidRequest(await s.call('profile', 'GET', '/profile/me', { headers: { authorization: values } }));
        expectInvalidRequest(await s.call('auth', 'GET', '/auth/me', { headers: { authorization: values } }));
      }
    });

    it('a token in the header and another in a cookie: the header alone decides (no cookie is read)', async () => {
      const withForgedCookie = await s.call('profile', 'GET', '/profile/me', {
        token: user.access,
        headers: { cookie: `access_token=${forged()}; tessera_access=${victim.access}` },
      });
      expect(withForgedCookie.status).toBe(200);
      expect(withForgedCookie.body.userId).toBe(user.id);
      const cookieOnly = await s.call('orders', 'GET', '/orders', {
        headers: { cookie: `access_token=${user.access}; tessera_access=${user.access}` },
      });
      expectMissingToken(cookieOnly);
      expectInvalidToken(
        await s.call('orders', 'GET', '/orders', {
          token: forged(),
          headers: { cookie: `access_token=${user.access}` },
        }),
      );
    });
  });

  it('§2.3 / RFC 9700 §4.3.2: a token in the query string is not a credential: 401', async () => {
    expectMissingToken(await s.call('orders', 'GET', `/orders?access_token=${user.access}`));
    expectMissingToken(await s.call('profile', 'GET', `/profile/me?access_token=${user.access}`));
  });

  describe('§3.1 insufficient_scope: a valid token without the role or scope', () => {
    it('a user token on the admin routes of auth and profile: 403 insufficient_scope', async () => {
      const token = user.access;
      expectInsufficientScope(await s.call('auth', 'GET', '/admin/users', { token }), 'admin');
      expectInsufficientScope(
        await s.call('auth', 'PATCH', `/admin/users/${user.id}`, { token, body: { roles: ['user', 'admin'] } }),
        'admin',
      );
      expectInsufficientScope(await s.call('auth', 'POST', '/admin/keys/rotate', { token, body: {} }), 'admin');
      expectInsufficientScope(await s.call('profile', 'GET', `/profiles/${victim.id}`, { token }), 'admin');
      expectInsufficientScope(await s.call('orders', 'GET', '/orders?all=true', { token }), 'admin');
      // Nothing changed: the user is still only a user.
      const me = await s.call('auth', 'GET', '/auth/me', { token });
      expect(me.body.roles).toEqual(['user']);
    });

    it('a service token where a user’s is required: 403 at orders and profile, 401 where its aud does not reach', async () => {
      const ordersClient = await s.serviceToken('orders'); // profile:read, aud profile
      const profileClient = await s.serviceToken('profile'); // orders:read, aud orders
      expectInsufficientScope(await s.call('profile', 'GET', '/profile/me', { token: ordersClient }), 'user admin');
      expectInsufficientScope(
        await s.call('profile', 'PATCH', '/profile/me', { token: ordersClient, body: { displayName: 'svc' } }),
        'user admin',
      );
      expectInsufficientScope(await s.call('orders', 'GET', '/orders', { token: profileClient }), 'user admin');
      expectInsufficientScope(
        await s.call('orders', 'POST', '/orders', {
          token: profileClient,
          body: { items: [{ sku: 'A-1', quantity: 1, unitPriceCents: 100 }] },
        }),
        'user admin',
      );
      expectInvalidToken(await s.call('orders', 'GET', '/orders', { token: ordersClient }));
      expectInvalidToken(await s.call('auth', 'GET', '/auth/me', { token: ordersClient }));
      expectInvalidToken(await s.call('auth', 'GET', '/admin/users', { token: profileClient }));
    });

    it('over NATS: a user may read only their own profile (403), a service token with profile:read any', async () => {
      expectRpc(await s.rpcCall('profile', victim.id, `Bearer ${user.access}`), 403, 'profile_access_denied');
      expect((await s.rpcCall('profile', user.id, `Bearer ${user.access}`)).status).toBe(200);
      expect((await s.rpcCall('profile', victim.id, `Bearer ${await s.serviceToken('orders')}`)).status).toBe(200);
    });

    it('a refresh token sent as an access token: 401 everywhere', async () => {
      await expectRefusedEverywhere(s, user.refresh, user.id);
      expectInvalidToken(await s.call('auth', 'GET', '/auth/me', { token: user.refresh }));
    });
  });

  describe('only the token names the caller', () => {
    const spoofed = () => ({
      'x-user-id': victim.id,
      'x-forwarded-user': victim.email,
      'x-auth-request-user': victim.id,
      'x-tessera-sub': victim.id,
      'x-roles': 'admin',
    });

    it('identity headers naming another user (or an admin role) are ignored', async () => {
      const mine = await s.call('profile', 'GET', '/profile/me', { token: user.access, headers: spoofed() });
      expect(mine.status).toBe(200);
      expect(mine.body.userId).toBe(user.id);
      const me = await s.call('auth', 'GET', '/auth/me', { token: user.access, headers: spoofed() });
      expect(me.body).toMatchObject({ id: user.id, roles: ['user'] });
      expectInsufficientScope(
        await s.call('auth', 'GET', '/admin/users', { token: user.access, headers: spoofed() }),
        'admin',
      );
      expectMissingToken(await s.call('orders', 'GET', '/orders', { headers: spoofed() }));
    });

    it('a userId (or sub, id, roles) in a body is refused with 400 and changes nobody', async () => {
      for (const extra of [{ userId: victim.id }, { sub: victim.id }, { id: victim.id }, { roles: ['admin'] }]) {
        expectProblem(
          await s.call('profile', 'PATCH', '/profile/me', {
            token: user.access,
            body: { displayName: 'Mallory', ...extra },
          }),
          400,
          'validation_failed',
        );
        expectProblem(
          await s.call('orders', 'POST', '/orders', {
            token: user.access,
            body: { items: [{ sku: 'A-1', quantity: 1, unitPriceCents: 100 }], ...extra },
          }),
          400,
          'validation_failed',
        );
      }
      const theirs = await s.call('profile', 'GET', '/profile/me', { token: victim.access });
      expect(theirs.body.displayName ?? null).toBeNull();
    });

    it('another user’s order is a 404, never theirs to read or cancel', async () => {
      const id = randomUUID();
      expectProblem(await s.call('orders', 'GET', `/orders/${id}`, { token: user.access }), 404, 'order_not_found');
      expectProblem(
        await s.call('orders', 'POST', `/orders/${id}/cancel`, { token: user.access }),
        404,
        'order_not_found',
      );
    });
  });
});
