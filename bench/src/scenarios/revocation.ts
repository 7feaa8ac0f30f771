import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import type { Row } from '../harness/report';
import { percentile } from '../harness/stats';
import type { Scenario } from './scenario';

/** Longest wait for a 401 before a logout counts as not propagated. */
const GIVE_UP_MS = 5000;

interface Probe {
  name: 'orders' | 'profile';
  /** A guarded route that answers `accepted` (after the guard) for a valid user token. */
  url: string;
  accepted: number;
}

async function status(url: string, token: string): Promise<number> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  return response.status;
}

/** Polls back to back until the token is refused; ms from `since` to that 401 response. */
async function firstRefusal(probe: Probe, token: string, since: number): Promise<number> {
  while (performance.now() - since < GIVE_UP_MS) {
    const code = await status(probe.url, token);
    if (code === 401) {
      return performance.now() - since;
    }
    if (code !== probe.accepted) {
      throw new Error(`${probe.name} answered ${code} while waiting for the revocation`);
    }
  }
  return Number.POSITIVE_INFINITY;
}

/** Scenario 6: time from a logout response to the first 401 in orders and in profile. */
export const revocationScenario: Scenario = {
  id: 6,
  name: 'revocation',
  title: 'Revocation propagation',
  async run(ctx) {
    const cluster = await ctx.cluster();
    const authUrl = cluster.auth.url ?? '';
    // Cheap guarded routes: orders validates `:id` after the guard (400), profile's admin route
    // refuses a user after verifying the token (403). A revoked token is a 401 on both.
    const probes: Probe[] = [
      { name: 'orders', url: `${cluster.orders.url}/orders/not-a-uuid`, accepted: 400 },
      { name: 'profile', url: `${cluster.profile.url}/profiles/${randomUUID()}`, accepted: 403 },
    ];
    const account = {
      email: `bench-rev-${randomBytes(4).toString('hex')}@bench.test`,
      password: randomBytes(18).toString('base64url'),
    };
    const registered = await fetch(`${authUrl}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(account),
    });
    if (registered.status !== 201) {
      throw new Error(`register answered ${registered.status}`);
    }
    const delays: Record<Probe['name'], number[]> = { orders: [], profile: [] };
    for (let i = 0; i < ctx.options.logouts; i++) {
      const login = await fetch(`${authUrl}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(account),
      });
      const { access_token: token } = (await login.json()) as { access_token: string };
      // Accepted everywhere first (and now in each verifier's cache: the harder case).
      for (const probe of probes) {
        const code = await status(probe.url, token);
        if (code !== probe.accepted) {
          throw new Error(`${probe.name} answered ${code} to a fresh token`);
        }
      }
      const logout = await fetch(`${authUrl}/auth/logout`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      await logout.arrayBuffer();
      const since = performance.now();
      if (logout.status !== 204) {
        throw new Error(`logout answered ${logout.status}`);
      }
      const waits = await Promise.all(probes.map((probe) => firstRefusal(probe, token, since)));
      probes.forEach((probe, k) => delays[probe.name].push(waits[k] ?? Number.POSITIVE_INFINITY));
    }
    return probes.map((probe): Row => {
      const all = delays[probe.name];
      const p99 = percentile(all, 99);
      const lost = all.filter((d) => !Number.isFinite(d)).length;
      return {
        scenario: `6 revocation → ${probe.name}`,
        a: {
          label: `logout → first 401, n=${all.length}`,
          p50Ms: percentile(all, 50),
          p99Ms: p99,
        },
        target: 'p99 ≤ 50 ms',
        met: p99 <= 50,
        note: lost > 0 ? `${lost} never refused within ${GIVE_UP_MS} ms` : `max ${Math.round(Math.max(...all))} ms`,
      };
    });
  },
};
