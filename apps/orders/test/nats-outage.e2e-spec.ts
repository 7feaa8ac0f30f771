import { randomUUID } from 'node:crypto';

import { startVerifyingService, type VerifyingServiceHarness } from '@tessera/auth/testing';
import { startPrivateNatsServer, testDatabaseTargets } from '@tessera/platform/testing';

import { createOrdersApp } from '../src/app';
import { loadOrdersConfig } from '../src/config/orders.config';

/**
 * NATS taken away from a running service (its own nats-server, killed by pid): local
 * verification goes on from the last known keys and revocations, readiness says "degraded",
 * and after the maximum staleness verification fails closed; NATS back, all is well again.
 */
describe('orders while NATS is away', () => {
  let nats: Awaited<ReturnType<typeof startPrivateNatsServer>>;
  let h: VerifyingServiceHarness;
  let token: string;

  const ready = async () => {
    const res = await fetch(`${h.url}/health/ready`);
    return { status: res.status, body: (await res.json()) as { info?: Record<string, Record<string, unknown>> } };
  };
  const orders = () => fetch(`${h.url}/orders`, { headers: { authorization: `Bearer ${token}` } });
  async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
    const deadline = Date.now() + 15_000;
    let value = await probe();
    while (!ok(value) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      value = await probe();
    }
    return value;
  }

  beforeAll(async () => {
    nats = await startPrivateNatsServer();
    h = await startVerifyingService(
      testDatabaseTargets()[0],
      (env) => createOrdersApp(loadOrdersConfig(env)),
      (db) => ({ ORDERS_DATA_DIR: db.dataDir, ORDERS_DATABASE_URL: db.url }),
      { natsUrl: nats.url, env: { AUTH_REVOCATION_MAX_STALENESS_SECONDS: '3' } },
    );
    token = await h.token(randomUUID());
  });

  afterAll(async () => {
    // If the test stopped half-way, NATS must be back for the app to close cleanly.
    await nats?.start().catch(() => undefined);
    await h?.close();
    await nats?.stop();
  });

  it('degrades, then fails closed after the maximum staleness, then recovers', async () => {
    expect((await ready()).status).toBe(200);
    expect((await orders()).status).toBe(200);

    await nats.stop();
    const degraded = await eventually(ready, (r) => r.body.info?.nats?.degraded !== undefined);
    expect(degraded.status).toBe(200);
    expect(degraded.body.info?.nats).toMatchObject({
      status: 'up',
      degraded: expect.stringContaining('NATS unreachable'),
    });
    expect((await orders()).status).toBe(200);

    const closed = await eventually(orders, (r) => r.status === 503);
    expect(closed.status).toBe(503);
    expect(await closed.json()).toMatchObject({ status: 503, code: 'revocations_unavailable' });
    expect((await ready()).status).toBe(503);

    await nats.start();
    const back = await eventually(orders, (r) => r.status === 200);
    expect(back.status).toBe(200);
    expect((await eventually(ready, (r) => r.status === 200)).status).toBe(200);
  });
});
