import { randomUUID } from 'node:crypto';
import path from 'node:path';

import { createPrincipal, type Principal, type ServiceCalls } from '@tessera/auth';
import { type OrdersSummaryReply, Subjects } from '@tessera/contracts';
import { type DatabaseHandle, openDatabase, TesseraError } from '@tessera/platform';

import { profiles, schema, type ProfileSchema } from '../database/schema';
import { ProfileAccessDeniedError, ProfileNotFoundError } from './profile.errors';
import { ProfileService } from './profile.service';

const address = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };

function principal(fields: { sub?: string; scopes?: string[]; clientId?: string; roles?: string[] } = {}): Principal {
  return createPrincipal(
    {
      sub: fields.sub ?? randomUUID(),
      roles: fields.roles ?? ['user'],
      scopes: fields.scopes ?? [],
      ...(fields.clientId !== undefined ? { clientId: fields.clientId } : {}),
      jti: randomUUID(),
      exp: Math.floor(Date.now() / 1000) + 900,
    },
    'user-token',
  );
}

describe('ProfileService', () => {
  let handle: DatabaseHandle<ProfileSchema>;
  let service: ProfileService;
  let ordersAnswer: () => Promise<OrdersSummaryReply>;
  const request = jest.fn<Promise<OrdersSummaryReply>, [string, unknown, unknown]>(() => ordersAnswer());
  const forUser = jest.fn<{ request: typeof request }, [Principal, string, { scope?: string; requestId?: string }?]>(
    () => ({ request }),
  );

  beforeAll(async () => {
    handle = await openDatabase({
      dataDir: 'memory://',
      migrationsFolder: path.join(__dirname, '..', '..', 'migrations'),
      schema,
    });
    service = new ProfileService(handle.db, { forUser } as unknown as ServiceCalls);
  });

  beforeEach(async () => {
    await handle.db.delete(profiles);
    ordersAnswer = () => Promise.resolve({ count: 2, totalCents: 4500 });
    jest.clearAllMocks();
  });

  afterAll(() => handle?.close());

  describe('own profile', () => {
    it('answers an empty profile for a user who has none stored yet', async () => {
      const userId = randomUUID();
      await expect(service.find(userId)).resolves.toEqual({ userId, displayName: null, shippingAddress: null });
    });

    it('creates the profile on the first update and keeps a field left out of a later one', async () => {
      const userId = randomUUID();
      await expect(service.update(userId, { displayName: 'Ada' })).resolves.toEqual({
        userId,
        displayName: 'Ada',
        shippingAddress: null,
      });
      await expect(service.update(userId, { shippingAddress: address })).resolves.toEqual({
        userId,
        displayName: 'Ada',
        shippingAddress: address,
      });
      await expect(service.update(userId, { displayName: 'Ada L.' })).resolves.toEqual({
        userId,
        displayName: 'Ada L.',
        shippingAddress: address,
      });
    });

    it('changes only the caller’s own row', async () => {
      const ada = randomUUID();
      const bob = randomUUID();
      await service.update(ada, { displayName: 'Ada' });
      await service.update(bob, { displayName: 'Bob', shippingAddress: address });
      await expect(service.find(ada)).resolves.toEqual({ userId: ada, displayName: 'Ada', shippingAddress: null });
    });

    it('adds the caller’s order summary, asked of orders with the caller’s own token', async () => {
      const caller = principal();
      await service.update(caller.sub, { displayName: 'Ada' });
      await expect(service.findMine(caller, 'req-1')).resolves.toEqual({
        userId: caller.sub,
        displayName: 'Ada',
        shippingAddress: null,
        orders: { count: 2, totalCents: 4500 },
      });
      // An exchanged token for orders alone, never the caller's own token.
      expect(forUser).toHaveBeenCalledWith(caller, 'orders', { scope: 'orders:read', requestId: 'req-1' });
      expect(request).toHaveBeenCalledWith(Subjects.OrdersSummary, { userId: caller.sub }, expect.anything());
    });

    it('still answers the profile, with orders null, when orders is unavailable', async () => {
      ordersAnswer = () => Promise.reject(new TesseraError('service_unavailable', 503, 'orders did not answer'));
      const caller = principal();
      await expect(service.findMine(caller)).resolves.toMatchObject({ userId: caller.sub, orders: null });
    });

    it('does not hide a refusal from orders behind a null summary', async () => {
      ordersAnswer = () => Promise.reject(new TesseraError('orders_access_denied', 403, 'no'));
      await expect(service.findMine(principal())).rejects.toMatchObject({ status: 403 });
      ordersAnswer = () => Promise.reject(new TypeError('a bug'));
      await expect(service.findMine(principal())).rejects.toBeInstanceOf(TypeError);
    });

    it('answers 502 upstream_refused, not a 401 that would sign the user out, when orders refuses its exchanged token', async () => {
      ordersAnswer = () => Promise.reject(new TesseraError('invalid_token', 401, 'actor not allowed'));
      await expect(service.findMine(principal())).rejects.toMatchObject({ status: 502, code: 'upstream_refused' });
    });
  });

  describe('profile.get.v1 visibility', () => {
    it('shows a user their own profile', async () => {
      const caller = principal();
      await service.update(caller.sub, { shippingAddress: address });
      await expect(service.findFor(caller, caller.sub)).resolves.toMatchObject({ shippingAddress: address });
    });

    it('shows another user’s profile only to a token with profile:read', async () => {
      const owner = randomUUID();
      await service.update(owner, { displayName: 'Ada', shippingAddress: address });
      await expect(service.findFor(principal(), owner)).rejects.toBeInstanceOf(ProfileAccessDeniedError);
      await expect(service.findFor(principal({ scopes: ['orders:read'] }), owner)).rejects.toMatchObject({
        status: 403,
        code: 'profile_access_denied',
      });
      const orders = principal({ sub: 'client:orders', scopes: ['profile:read'], clientId: 'orders', roles: [] });
      await expect(service.findFor(orders, owner)).resolves.toEqual({
        userId: owner,
        displayName: 'Ada',
        shippingAddress: address,
      });
    });
  });

  it('refuses another user’s profile to a user token that carries profile:read for its own', async () => {
    const owner = randomUUID();
    await service.update(owner, { displayName: 'Ada', shippingAddress: address });
    const userToken = { scopes: ['profile:read', 'profile:write'], clientId: 'tessera-web' };
    await expect(service.findFor(principal(userToken), owner)).rejects.toMatchObject({
      status: 403,
      code: 'profile_access_denied',
    });
    const admin = principal({ ...userToken, roles: ['user', 'admin'] });
    await expect(service.findFor(admin, owner)).rejects.toBeInstanceOf(ProfileAccessDeniedError);
    const lookalike = principal({ ...userToken, sub: 'client:orders' });
    await expect(service.findFor(lookalike, owner)).rejects.toBeInstanceOf(ProfileAccessDeniedError);
  });

  describe('admin read', () => {
    it('answers a stored profile, and 404 profile_not_found for a user with none', async () => {
      const userId = randomUUID();
      await expect(service.get(userId)).rejects.toBeInstanceOf(ProfileNotFoundError);
      await service.createIfMissing(userId, 'Ada');
      await expect(service.get(userId)).resolves.toEqual({ userId, displayName: 'Ada', shippingAddress: null });
    });
  });

  describe('user registered', () => {
    it('creates the profile with the sign-up display name, and a redelivery changes nothing', async () => {
      const userId = randomUUID();
      await service.createIfMissing(userId, 'Ada');
      await service.createIfMissing(userId, 'Ada');
      expect(await handle.db.select().from(profiles)).toHaveLength(1);
      await expect(service.find(userId)).resolves.toEqual({ userId, displayName: 'Ada', shippingAddress: null });
    });

    it('keeps an address saved before the event arrived, and fills in the sign-up name', async () => {
      const userId = randomUUID();
      await service.update(userId, { shippingAddress: address });
      await service.createIfMissing(userId, 'Ada');
      await expect(service.find(userId)).resolves.toEqual({ userId, displayName: 'Ada', shippingAddress: address });
    });

    it('never overwrites a display name the user set themself', async () => {
      const userId = randomUUID();
      await service.update(userId, { displayName: 'Countess' });
      await service.createIfMissing(userId, 'Ada');
      await expect(service.find(userId)).resolves.toMatchObject({ displayName: 'Countess' });
    });
  });
});
