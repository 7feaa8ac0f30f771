import type { ConsumerInfo, JetStreamManager } from '@nats-io/jetstream';
import { createTestSigningKey, signTestToken } from '@tessera/auth/testing';
import { Buckets, namespacedBucket, namespacedSubject, Streams, Subjects } from '@tessera/contracts';
import { testDatabaseTargets } from '@tessera/platform/testing';

import { clusterClient, eventuallyValue, ORDER } from './support/cluster-client';
import type { ClusterScript } from './support/cluster-script';
import { startNpmRunCluster } from './support/npm-run-cluster';
import { requestsAroundKill, type TimedRequest } from './support/requests-around-kill';

/**
 * The topology of `npm run cluster` (three NATS nodes with JetStream, one auth, two orders and
 * two profile instances) losing one part at a time, driven through the real scripts/cluster.mjs.
 * One cluster for the whole file; every case first brings back what an earlier one stopped.
 * On PostgreSQL when TEST_DATABASE_URL is set (CI), else on the PGlite the cluster serves.
 */
const target = testDatabaseTargets().find((t) => t.name === 'postgres') ?? testDatabaseTargets()[0];

const order = ORDER;
const APP_INSTANCES = ['orders-1', 'orders-2', 'profile-1', 'profile-2'] as const;
const ALL = ['nats-1', 'nats-2', 'nats-3', 'auth', ...APP_INSTANCES];

const eventually = eventuallyValue;

describe(`the npm run cluster topology on ${target.name}, losing one part at a time`, () => {
  let stop: (() => Promise<void>) | undefined;
  let cluster: ClusterScript;
  let jsm: JetStreamManager;
  let namespace: string;
  /** Ada: registered, with a shipping address and an order placed through each orders instance. */
  let ada: { id: string; token: string };
  const { call, status, login, register, customer } = clusterClient((instance) => cluster.url(instance));
  const userRoute = (instance: string) => (instance.startsWith('orders') ? '/orders' : '/profile/me');
  const ensureRunning = (...names: string[]) => cluster.ensureRunning(...names);

  beforeAll(async () => {
    const started = await startNpmRunCluster(target);
    ({ cluster, namespace, jsm } = started);
    stop = started.stop;
    expect(started.info.replicas).toBe(3);
    expect(started.info.databases.map((d) => d.kind)).toEqual(Array(3).fill(target.name));
    ada = await customer('Ada', ['orders-1', 'orders-2']);
  }, 240_000);

  afterAll(() => stop?.(), 120_000);

  it('runs every bucket and the events stream with three replicas, one per NATS node', async () => {
    for (const name of [
      `KV_${namespacedBucket(namespace, Buckets.Keys)}`,
      `KV_${namespacedBucket(namespace, Buckets.Revocations)}`,
      namespacedBucket(namespace, Streams.Events),
    ]) {
      const info = await jsm.streams.info(name);
      expect(info.config.num_replicas).toBe(3);
      expect([info.cluster?.leader, ...(info.cluster?.replicas ?? []).map((r) => r.name)].sort()).toEqual([
        'nats-1',
        'nats-2',
        'nats-3',
      ]);
    }
  });

  it('with auth stopped, orders and profile accept valid tokens, refuse bad ones with 401 and stay ready', async () => {
    await ensureRunning(...ALL);
    const [header, payload, signature] = ada.token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const kid = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string }).kid;
    const badTokens = {
      'signed by another key under the real kid': await signTestToken(await createTestSigningKey(), {
        issuer: claims.iss as string,
        audience: ['orders', 'profile'],
        sub: ada.id,
        header: { kid },
      }),
      'with a changed payload': `${header}.${Buffer.from(JSON.stringify({ ...claims, roles: ['admin'] })).toString('base64url')}.${signature}`,
      'that is not a JWT': 'not-a-token',
    };

    await cluster.kill('auth', 'SIGTERM');
    await expect(fetch(`${cluster.url('auth')}/health/live`)).rejects.toThrow();

    for (const instance of APP_INSTANCES) {
      expect(await status(instance, userRoute(instance), { token: ada.token })).toBe(200);
      for (const [what, bad] of Object.entries(badTokens)) {
        const res = await call(instance, userRoute(instance), { token: bad });
        expect({ instance, what, status: res.status }).toEqual({ instance, what, status: 401 });
        expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
      }
      expect(await status(instance, userRoute(instance))).toBe(401);
      // Ready, and rightly so: verification needs only the keys and revocations held in memory
      // and NATS; auth is not one of the checks and nothing claims otherwise.
      const ready = await call(instance, '/health/ready');
      const body = (await ready.json()) as { status: string; info: Record<string, { status: string }> };
      expect(ready.status).toBe(200);
      expect(body.status).toBe('ok');
      // profile also reports its event consumer.
      const checks = ['database', ...(instance.startsWith('profile') ? ['events'] : []), 'keys', 'nats', 'revocations'];
      expect(Object.keys(body.info).sort()).toEqual(checks);
      expect(Object.values(body.info).every((c) => c.status === 'up' && !('degraded' in c))).toBe(true);
    }
    // Placing an order needs profile over NATS with orders' own service token, fetched earlier.
    for (const instance of ['orders-1', 'orders-2']) {
      expect(await status(instance, '/orders', { token: ada.token, body: order })).toBe(201);
    }

    await cluster.restart('auth');
    expect(await status('auth', '/auth/me', { token: ada.token })).toBe(200);
  }, 180_000);

  it('keeps placing orders while a profile instance is killed; only requests it held fail', async () => {
    await ensureRunning(...ALL);
    const workers = 6;
    const run = await requestsAroundKill(
      (worker) => status(worker % 2 === 0 ? 'orders-1' : 'orders-2', '/orders', { token: ada.token, body: order }),
      () => cluster.kill('profile-1', 'SIGKILL'),
      { workers, warmUp: 18, after: 30, timeoutMs: 90_000 },
    );
    const failed = run.requests.filter((r) => r.status !== 201);
    // Lost only with the instance that held them: requests that overlapped the kill, at most
    // one per worker, answered 503/504 (no reply), never a 500 or a wrong answer.
    const relative = (r: TimedRequest) => ({
      status: r.status,
      startedMs: r.startedAt - run.killedAt,
      endedMs: r.endedAt - run.killedAt,
      goneMs: run.goneAt - run.killedAt,
    });
    expect(failed.filter((r) => !run.exposed.includes(r)).map(relative)).toEqual([]);
    expect(failed.length).toBeLessThanOrEqual(Math.min(workers, run.inFlightAtKill + run.startedDuringKill));
    expect(failed.map((r) => r.status).filter((s) => s !== 503 && s !== 504)).toEqual([]);
    // Afterwards profile-2 answers every request.
    const after = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        status(i % 2 === 0 ? 'orders-1' : 'orders-2', '/orders', { token: ada.token, body: order }),
      ),
    );
    expect(after).toEqual(Array(10).fill(201));
    expect(cluster.running('profile-1')).toBe(false);
  }, 180_000);

  it('creates, exactly once, the profile of a user who registered while profile was down', async () => {
    await ensureRunning('auth', 'nats-1', 'nats-2', 'nats-3');
    await cluster.kill('profile-1', 'SIGTERM');
    await cluster.kill('profile-2', 'SIGTERM');
    const stream = namespacedBucket(namespace, Streams.Events);
    const registered = namespacedSubject(namespace, Subjects.UserRegistered);
    // profile's durable consumer of auth.user.registered.v1 (found by subject, not by its name)
    const consumer = async (): Promise<ConsumerInfo> => {
      for await (const c of jsm.consumers.list(stream)) {
        if (c.config.filter_subject === registered) {
          return c;
        }
      }
      throw new Error(`no consumer of ${registered}`);
    };
    const before = await consumer();
    expect(before.num_ack_pending).toBe(0);

    const bea = await register('Bea');
    // Stored in JetStream and waiting: nobody consumes it while both instances are down.
    await eventually('the event waits in the stream', 30_000, async () =>
      (await consumer()).num_pending === 1 ? true : undefined,
    );

    await cluster.restart('profile-1');
    const profile = await eventually('the profile is created', 30_000, async () => {
      const me = (await (await call('profile-1', '/profile/me', { token: bea.token })).json()) as {
        displayName?: string;
      };
      return me.displayName === 'Bea' ? me : undefined;
    });
    expect(profile).toMatchObject({ userId: bea.id, displayName: 'Bea', shippingAddress: null });
    const after = await eventually('the event is acknowledged', 30_000, async () => {
      const c = await consumer();
      return c.num_pending === 0 && c.num_ack_pending === 0 ? c : undefined;
    });
    // Delivered once and acknowledged: no redelivery, nothing left over.
    expect(after.delivered.consumer_seq - before.delivered.consumer_seq).toBe(1);
    expect(after.ack_floor.consumer_seq).toBe(after.delivered.consumer_seq);

    // The second instance joins the same durable consumer and gets nothing again.
    await cluster.restart('profile-2');
    expect(await (await call('profile-2', '/profile/me', { token: bea.token })).json()).toMatchObject({
      userId: bea.id,
      displayName: 'Bea',
    });
    expect((await consumer()).delivered.consumer_seq).toBe(after.delivered.consumer_seq);
  }, 180_000);

  it('keeps working when a NATS node dies, and honours a revocation made meanwhile, before the node is back', async () => {
    await ensureRunning(...ALL);
    const cy = await register('Cy');
    const cyKept = await login(cy.email);
    const dee = await register('Dee');
    const revocations = `KV_${namespacedBucket(namespace, Buckets.Revocations)}`;
    // The node leading the revocations bucket: the logout below needs a new leader elected.
    const victim = (await jsm.streams.info(revocations)).cluster?.leader ?? '';
    expect(victim).toMatch(/^nats-[123]$/);
    const survivor = cluster.process(['nats-1', 'nats-2', 'nats-3'].find((n) => n !== victim)!);
    await cluster.kill(victim, 'SIGKILL');

    // Every instance reconnects to the nodes left and serves again: an order, a profile.
    await eventually('all instances serve again', 60_000, async () => {
      const statuses = await Promise.all(
        APP_INSTANCES.map((i) =>
          i.startsWith('orders')
            ? status(i, '/orders', { token: ada.token, body: order })
            : status(i, '/profile/me', { token: ada.token }),
        ),
      );
      if (statuses.some((s) => s !== 201 && s !== 200)) {
        throw new Error(`answers ${statuses.join(' ')}`);
      }
      return statuses;
    });
    // JetStream has a meta leader and the bucket a stream leader again, on the nodes left.
    await eventually('new JetStream leaders', 60_000, async () => {
      const jsz = (await (await fetch(`${survivor.monitorUrl}/jsz`)).json()) as { meta_cluster?: { leader?: string } };
      const leader = (await jsm.streams.info(revocations)).cluster?.leader;
      const meta = jsz.meta_cluster?.leader;
      return leader && meta && leader !== victim && meta !== victim ? true : undefined;
    });
    expect(await status('auth', '/auth/logout', { method: 'POST', token: cy.token })).toBe(204);
    expect(await status('auth', '/auth/logout-all', { method: 'POST', token: dee.token })).toBe(204);

    // While the node is still down: an instance whose KV watch lived on it gets no word of
    // that from nats.js for about 90 s; its KvMirror sees the bucket ahead of what it received
    // and watches again within seconds. Every instance refuses both tokens, node or no node.
    const everyInstanceRefuses = async () => {
      const statuses = await Promise.all(
        APP_INSTANCES.flatMap((i) => [cy.token, dee.token].map((token) => status(i, userRoute(i), { token }))),
      );
      if (statuses.some((s) => s !== 401)) {
        throw new Error(`answers ${statuses.join(' ')}`);
      }
      return true;
    };
    // Bounded well below the ~90 s nats.js takes on its own, so the test tells the two apart.
    await eventually('the revocations reach every instance while the node is down', 45_000, everyInstanceRefuses).catch(
      (e: Error) => {
        const mirrorLines = cluster
          .logTail(400)
          .split('\n')
          .filter((l) => /watching the \w+ bucket again/.test(l));
        throw new Error(`${e.message}\nKV mirror log lines:\n${mirrorLines.join('\n') || '(none)'}`);
      },
    );
    expect(cluster.running(victim)).toBe(false);
    await cluster.restart(victim);
    await eventually('the revocations still hold with the node back', 30_000, everyInstanceRefuses);
    for (const instance of APP_INSTANCES) {
      expect(await status(instance, userRoute(instance), { token: ada.token })).toBe(200);
      expect(await status(instance, userRoute(instance), { token: cyKept })).toBe(200);
    }
    await eventually('every instance ready, none degraded', 60_000, async () => {
      const answers = await Promise.all(['auth', ...APP_INSTANCES].map((n) => call(n, '/health/ready')));
      const bodies = await Promise.all(answers.map((b) => b.text()));
      return answers.every((a) => a.status === 200) && bodies.every((t) => !t.includes('degraded')) ? true : undefined;
    });
    expect(await status('orders-2', '/orders', { token: ada.token, body: order })).toBe(201);
  }, 180_000);

  describe('a revocation while the revocations leader is unreachable', () => {
    it('answers logout at once, and every instance refuses the token once the node answers again', async () => {
      await ensureRunning(...ALL);
      const eve = await register('Eve');
      const revocations = `KV_${namespacedBucket(namespace, Buckets.Revocations)}`;
      const leader = (await jsm.streams.info(revocations)).cluster?.leader ?? '';
      expect(leader).toMatch(/^nats-[123]$/);
      const pid = cluster.process(leader).pid!;
      // SIGSTOP: the node's sockets stay open and nothing answers, so no put can be acknowledged
      // until another leader is elected or this one answers again.
      process.kill(pid, 'SIGSTOP');
      try {
        const started = Date.now();
        expect(await status('auth', '/auth/logout', { method: 'POST', token: eve.token })).toBe(204);
        // Queued in the outbox with the session change, not held up by the KV put (5 s timeout).
        expect(Date.now() - started).toBeLessThan(2000);
        // Held frozen past the KV put's 5 s timeout: the put must be retried, not lost.
        await new Promise((resolve) => setTimeout(resolve, 8000));
      } finally {
        process.kill(pid, 'SIGCONT');
      }
      const everyInstanceRefuses = async () => {
        const statuses = await Promise.all(APP_INSTANCES.map((i) => status(i, userRoute(i), { token: eve.token })));
        if (statuses.some((s) => s !== 401)) {
          throw new Error(`answers ${statuses.join(' ')}`);
        }
        return true;
      };
      await eventually('the revocation reaches every instance once the node answers', 30_000, everyInstanceRefuses);
      await eventually('no revocation left waiting in auth', 30_000, async () => {
        const text = await (await call('auth', '/metrics')).text();
        return /^tessera_auth_revocations_pending\{[^}]*\} 0$/m.test(text) ? true : undefined;
      });
      expect(await status('orders-1', '/orders', { token: ada.token })).toBe(200);
    }, 120_000);
  });
});
