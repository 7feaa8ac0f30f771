import { randomUUID } from 'node:crypto';

import { startVerifyingService, type VerifyingServiceHarness } from '@tessera/auth/testing';
import { Subjects, type UserRegisteredEvent } from '@tessera/contracts';
import { publishTestEvent, testDatabaseTargets, testNamespace } from '@tessera/platform/testing';

import { createProfileApp } from '../src/app';
import { loadProfileConfig } from '../src/config/profile.config';

describe.each(testDatabaseTargets())(`profile consuming ${Subjects.UserRegistered} on $name`, (target) => {
  const namespace = testNamespace();
  const before = randomUUID();
  let h: VerifyingServiceHarness;

  const registered = (userId: string, displayName?: string): UserRegisteredEvent => ({
    userId,
    displayName,
    occurredAt: new Date().toISOString(),
  });

  const adminGet = async (userId: string) =>
    fetch(`${h.url}/profiles/${userId}`, {
      headers: { authorization: `Bearer ${await h.token(randomUUID(), { roles: ['admin'] })}` },
    });

  async function eventually(check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!(await check())) {
      if (Date.now() > deadline) {
        throw new Error('condition not met within 10 s');
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    // Published while profile is not running at all: the durable consumer must catch up.
    await publishTestEvent(namespace, Subjects.UserRegistered, registered(before, 'Early Bird'), `reg-${before}`);
    h = await startVerifyingService(
      target,
      (env) => createProfileApp(loadProfileConfig(env)),
      (db) => ({ PROFILE_DATA_DIR: db.dataDir, PROFILE_DATABASE_URL: db.url }),
      { namespace },
    );
  });

  afterAll(() => h?.close());

  it('creates the profile of a user who registered while profile was down', async () => {
    await eventually(async () => (await adminGet(before)).status === 200);
    expect(await (await adminGet(before)).json()).toEqual({
      userId: before,
      displayName: 'Early Bird',
      shippingAddress: null,
    });
  });

  it('creates nothing twice when the event is delivered again, and keeps later edits', async () => {
    const userId = randomUUID();
    await publishTestEvent(namespace, Subjects.UserRegistered, registered(userId, 'Once'), `reg-${userId}-a`);
    await eventually(async () => (await adminGet(userId)).status === 200);
    const token = await h.token(userId);
    await fetch(`${h.url}/profile/me`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ displayName: 'Edited' }),
    });
    // A redelivery (different message id, same event) must not reset the profile.
    await publishTestEvent(namespace, Subjects.UserRegistered, registered(userId, 'Once'), `reg-${userId}-b`);
    const marker = randomUUID();
    await publishTestEvent(namespace, Subjects.UserRegistered, registered(marker), `reg-${marker}`);
    await eventually(async () => (await adminGet(marker)).status === 200);
    expect(await (await adminGet(userId)).json()).toMatchObject({ displayName: 'Edited' });
  });

  it('keeps an address saved before the registration event arrived, and still takes the display name from it', async () => {
    const userId = randomUUID();
    const address = { line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' };
    const saved = await fetch(`${h.url}/profile/me`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${await h.token(userId)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ shippingAddress: address }),
    });
    expect(saved.status).toBe(200);
    await publishTestEvent(namespace, Subjects.UserRegistered, registered(userId, 'Late Event'), `reg-${userId}`);
    await eventually(
      async () => ((await (await adminGet(userId)).json()) as { displayName: unknown }).displayName !== null,
    );
    expect(await (await adminGet(userId)).json()).toEqual({
      userId,
      displayName: 'Late Event',
      shippingAddress: address,
    });
  });

  it('drops an event that breaks the contract and keeps consuming', async () => {
    await publishTestEvent(
      namespace,
      Subjects.UserRegistered,
      { userId: 'not-a-uuid', occurredAt: 'x' },
      `bad-${randomUUID()}`,
    );
    const userId = randomUUID();
    await publishTestEvent(namespace, Subjects.UserRegistered, registered(userId), `reg-${userId}`);
    await eventually(async () => (await adminGet(userId)).status === 200);
  });

  it('answers 404 for an unknown profile and 403 to a non-admin', async () => {
    expect((await adminGet(randomUUID())).status).toBe(404);
    const res = await fetch(`${h.url}/profiles/${before}`, {
      headers: { authorization: `Bearer ${await h.token(randomUUID())}` },
    });
    expect(res.status).toBe(403);
  });
});
