import { compare } from '../harness/compare';
import type { BenchContext } from '../harness/context';
import { runHttp, withServerCpu } from '../harness/http-load';
import { ALL_CPUS, LOAD_CPUS, pinSelf } from '../harness/processes';
import { signTokensInParallel, signUserTokens, userTokenSpec } from '../harness/tokens';
import { ratioRow, type Scenario, side } from './scenario';

const ROUTE = '/bench/hello';
/** Most never-seen tokens one run signs (~0.6 KB each, ~0.6 ms each to sign). */
const MAX_FRESH_TOKENS = 150_000;

async function cyclingRequests(ctx: BenchContext, count = 1000) {
  const key = await ctx.key();
  return signUserTokens(key, userTokenSpec(key, ctx.issuer), count).map((token) => ({
    headers: { authorization: `Bearer ${token}` },
  }));
}

/** Scenario 1: the same route on the same service, with and without the global guard, 1,000 users cycling. */
export const guardScenario: Scenario = {
  id: 1,
  name: 'guard',
  title: 'Guard overhead, 1,000 users’ tokens cycling',
  async run(ctx) {
    const guarded = await ctx.service('tessera');
    const bare = await ctx.service('none');
    const requests = await cyclingRequests(ctx);
    const { connections } = ctx.options;
    const { a, b, ratio } = await compare(
      ctx.options,
      {
        label: 'guarded',
        run: (s) =>
          withServerCpu(guarded.process, () =>
            runHttp({ url: `${guarded.url}${ROUTE}`, connections, expectStatus: 200, requests }, s),
          ),
      },
      {
        label: 'unguarded',
        run: (s) =>
          withServerCpu(bare.process, () =>
            runHttp({ url: `${bare.url}${ROUTE}`, connections, expectStatus: 200, requests }, s),
          ),
      },
    );
    ctx.measured.guardedRate = a.rate;
    ctx.measured.unguardedRate = b.rate;
    return [
      ratioRow(
        '1 guard, 1k users cycling',
        side('global guard', a, 'req/s'),
        side('no guard', b, 'req/s'),
        0.9,
        `${connections} connections`,
        ratio,
      ),
    ];
  },
};

/** Scenario 2: every request carries a token the service has never seen (no cache hit possible). */
export const freshTokenScenario: Scenario = {
  id: 2,
  name: 'guard-new',
  title: 'Guard overhead, every token new',
  async run(ctx) {
    const guarded = await ctx.service('tessera');
    const bare = await ctx.service('none');
    const requests = await cyclingRequests(ctx);
    const { connections, warmupSeconds, durationSeconds, rounds } = ctx.options;
    const url = { guarded: `${guarded.url}${ROUTE}`, bare: `${bare.url}${ROUTE}` };
    // Size the supply from an upper bound of the rate: the faster of the cached guard and no
    // guard (both measured on this noisy machine), slowed by one isolated RS256 verification
    // per request, with a margin. Running out only ends the rounds early.
    const fastest = Math.max(
      ctx.measured.guardedRate ?? 0,
      ctx.measured.unguardedRate ??
        (await runHttp({ url: url.bare, connections, expectStatus: 200, requests }, 2)).count / 2,
    );
    const verifyMs = ctx.measured.rawVerifyMs ?? 0.05;
    const bound = 1 / (1 / fastest + verifyMs / 1000);
    const needed = Math.min(MAX_FRESH_TOKENS, Math.ceil(bound * (warmupSeconds + durationSeconds * rounds) * 1.3));
    const key = await ctx.key();
    process.stderr.write(`[bench] signing ${needed.toLocaleString('en-US')} never-seen tokens on every core...\n`);
    if (ctx.options.pin) {
      pinSelf(ALL_CPUS);
    }
    const fresh = await signTokensInParallel(key, userTokenSpec(key, ctx.issuer), needed);
    if (ctx.options.pin) {
      pinSelf(LOAD_CPUS);
    }
    let next = 0;
    const supply = () => {
      const token = fresh[next++];
      return token === undefined ? undefined : { headers: { authorization: `Bearer ${token}` } };
    };
    const { a, b, ratio } = await compare(
      ctx.options,
      {
        label: 'guarded, new tokens',
        run: (s) =>
          withServerCpu(guarded.process, () =>
            runHttp({ url: url.guarded, connections, expectStatus: 200, next: supply }, s),
          ),
      },
      {
        label: 'unguarded',
        run: (s) =>
          withServerCpu(bare.process, () => runHttp({ url: url.bare, connections, expectStatus: 200, requests }, s)),
      },
    );
    return [
      ratioRow(
        '2 guard, every token new',
        side('global guard', a, 'req/s'),
        side('no guard', b, 'req/s'),
        0.4,
        `${Math.min(next, fresh.length).toLocaleString('en-US')} tokens used once each`,
        ratio,
      ),
    ];
  },
};
