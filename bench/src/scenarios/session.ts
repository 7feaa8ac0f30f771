import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import { Redis } from 'ioredis';

import type { StoredSession } from '../app/session.guard';
import { compare } from '../harness/compare';
import { type BenchContext, SkipScenario } from '../harness/context';
import { runHttp, withServerCpu } from '../harness/http-load';
import { formatMs } from '../harness/report';
import { Samples } from '../harness/stats';
import { signUserTokens, userTokenSpec } from '../harness/tokens';
import { ratioRow, type Scenario, side } from './scenario';

const ROUTE = '/bench/hello';
const SESSIONS = 1000;

async function openRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (e) {
    redis.disconnect();
    throw new SkipScenario(`no Redis answered at ${url} (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** p50 of a bare GET, one at a time, from this process: the floor of any session lookup. */
async function redisGetP50(redis: Redis, key: string): Promise<number> {
  const samples = new Samples();
  for (let i = 0; i < 2000; i++) {
    const sent = performance.now();
    await redis.get(key);
    samples.add(performance.now() - sent);
  }
  return samples.percentile(50);
}

/** Scenario 7: Tessera's guard beside a session guard that looks the session up in Redis. */
export const sessionScenario: Scenario = {
  id: 7,
  name: 'session',
  title: 'JWT check vs Redis session lookup',
  async run(ctx: BenchContext) {
    const redis = await openRedis(ctx.redisUrl);
    const prefix = `tessera-bench:${ctx.runId}:`;
    const ids = Array.from({ length: SESSIONS }, () => randomBytes(32).toString('base64url'));
    try {
      const exp = Math.floor(Date.now() / 1000) + 900;
      const batch = redis.pipeline();
      for (const id of ids) {
        const session: StoredSession = { sub: randomUUID(), roles: ['user'], exp };
        batch.set(`${prefix}${id}`, JSON.stringify(session), 'EX', 900);
      }
      await batch.exec();
      const getP50 = await redisGetP50(redis, `${prefix}${ids[0]}`);
      const sessionService = await ctx.service('session');
      const guarded = await ctx.service('tessera');
      const key = await ctx.key();
      const jwtRequests = signUserTokens(key, userTokenSpec(key, ctx.issuer), SESSIONS).map((t) => ({
        headers: { authorization: `Bearer ${t}` },
      }));
      const sessionRequests = ids.map((id) => ({ headers: { authorization: `Bearer ${id}` } }));
      const { connections } = ctx.options;
      const { a, b, ratio } = await compare(
        ctx.options,
        {
          label: 'tessera',
          run: (s) =>
            withServerCpu(guarded.process, () =>
              runHttp({ url: `${guarded.url}${ROUTE}`, connections, expectStatus: 200, requests: jwtRequests }, s),
            ),
        },
        {
          label: 'redis session',
          run: (s) =>
            withServerCpu(sessionService.process, () =>
              runHttp(
                { url: `${sessionService.url}${ROUTE}`, connections, expectStatus: 200, requests: sessionRequests },
                s,
              ),
            ),
        },
      );
      return [
        ratioRow(
          '7 JWT guard vs Redis session',
          side('Tessera guard', a, 'req/s'),
          side('Redis session guard', b, 'req/s'),
          undefined,
          `bare Redis GET p50 ${formatMs(getP50)}`,
          ratio,
        ),
      ];
    } finally {
      await redis.del(...ids.map((id) => `${prefix}${id}`)).catch(() => undefined);
      redis.disconnect();
    }
  },
};
