import { RevocationKeys } from '@tessera/auth';
import { eventually, metricValue, startPrivateNatsServer, testDatabaseTargets } from '@tessera/platform/testing';
import { decodeJwt } from 'jose';

import { REVOCATION_PENDING_GRACE_MS } from '../src/revocations/revocation-relay.service';
import type { AuthAppFixture } from './auth-app.fixture';
import { startAuthApp } from './auth-app.fixture';

const password = 'correct horse battery staple';

/**
 * Revocations while auth's NATS server is frozen (its own nats-server, SIGSTOP: the sockets stay
 * open and nothing answers, as when a JetStream leader is unreachable). Logout answers at once
 * from the outbox; auth itself refuses the token; the pending gauge and readiness show what
 * waits; once NATS answers again the relay's retry puts it in the bucket and a verifier that
 * watches the bucket (the probe, as orders does) refuses the token.
 */
describe('revocations while NATS cannot be reached', () => {
  let nats: Awaited<ReturnType<typeof startPrivateNatsServer>>;
  let auth: AuthAppFixture;

  beforeAll(async () => {
    nats = await startPrivateNatsServer();
    auth = await startAuthApp(testDatabaseTargets()[0], { natsUrl: nats.url, probe: { audience: 'orders' } });
  });

  afterAll(async () => {
    // If the test stopped half-way, NATS must answer for the apps to close cleanly.
    nats?.resume();
    await auth?.close();
    await nats?.stop();
  });

  async function session(email: string): Promise<{ access: string; jti: string; sub: string }> {
    expect((await auth.call('POST', '/auth/register', { body: { email, password } })).status).toBe(201);
    const res = await auth.call('POST', '/auth/login', { body: { email, password } });
    expect(res.status).toBe(200);
    const access = res.body.access_token as string;
    const claims = decodeJwt(access);
    return { access, jti: claims.jti!, sub: claims.sub! };
  }

  const me = async (token: string) => (await auth.call('GET', '/auth/me', { token })).status;
  const pending = async () =>
    metricValue(await (await fetch(`${auth.base}/metrics`)).text(), 'tessera_auth_revocations_pending');
  const readiness = async () => {
    const res = await fetch(`${auth.base}/health/ready`);
    const body = (await res.json()) as { info?: Record<string, { status: string; degraded?: string }> };
    return { status: res.status, check: body.info?.revocations_pending };
  };

  it('answers logout and logout-all at once, and publishes both once NATS is back', async () => {
    const one = await session('frozen-one@example.com');
    const all = await session('frozen-all@example.com');
    expect(await auth.probeVerdict(one.access, 'accepted')).toBe('accepted');
    expect(await auth.probeVerdict(all.access, 'accepted')).toBe('accepted');
    expect(await pending()).toBe(0);

    nats.freeze();
    try {
      const started = Date.now();
      expect((await auth.call('POST', '/auth/logout', { token: one.access })).status).toBe(204);
      expect((await auth.call('POST', '/auth/logout-all', { token: all.access })).status).toBe(204);
      // Committed to the outbox: no wait for a KV put that cannot be acknowledged (5 s).
      expect(Date.now() - started).toBeLessThan(2000);
      // Auth itself refuses them at once.
      expect(await me(one.access)).toBe(401);
      expect(await me(all.access)).toBe(401);

      expect(await pending()).toBe(2);
      const fresh = await readiness();
      expect(fresh.check?.degraded).toBeUndefined();
      await eventually(
        async () => (await readiness()).check?.degraded !== undefined,
        REVOCATION_PENDING_GRACE_MS + 5000,
      );
      const degraded = await readiness();
      // Still serving (200), the reason shown.
      expect(degraded.status).toBe(200);
      expect(degraded.check).toEqual({
        status: 'up',
        degraded: expect.stringMatching(/^2 revocations waiting to be published for \d+ s$/),
      });
    } finally {
      nats.resume();
    }

    // The relay's next retry (at most a second apart) reaches the bucket, and every verifier.
    expect(await auth.probeVerdict(one.access, 'refused')).toBe('refused');
    expect(await auth.probeVerdict(all.access, 'refused')).toBe('refused');
    expect(await auth.revocationEntry(RevocationKeys.jti(one.jti))).toEqual({ exp: decodeJwt(one.access).exp });
    expect(await auth.revocationEntry(RevocationKeys.subject(all.sub))).toEqual({ before: expect.any(Number) });
    await eventually(async () => (await pending()) === 0, 5000);
    expect((await readiness()).check).toEqual({ status: 'up' });
  }, 60_000);

  it('with NATS healthy, a logged-out token is refused by a verifier within the revocation bound', async () => {
    const user = await session('healthy@example.com');
    expect(await auth.probeVerdict(user.access, 'accepted')).toBe('accepted');
    expect((await auth.call('POST', '/auth/logout', { token: user.access })).status).toBe(204);
    const answered = Date.now();
    expect(await auth.probeVerdict(user.access, 'refused')).toBe('refused');
    // Milliseconds in practice; the bound the bench measures, with room for a loaded test machine.
    expect(Date.now() - answered).toBeLessThan(1000);
    expect(await pending()).toBe(0);
  });
});
