import { randomBytes } from 'node:crypto';
import path from 'node:path';

import { compare } from '../harness/compare';
import { ARGON2_PARAMETERS, type BenchContext } from '../harness/context';
import { type LoadResult, runHttp, withServerCpu } from '../harness/http-load';
import { Samples } from '../harness/stats';
import { ratioRow, type Scenario, side } from './scenario';

/** Logins in flight, and argon2 verifications in flight on the baseline (libuv's pool is 4 threads). */
const CONCURRENCY = 4;
/**
 * Accounts the logins rotate over: consecutive requests go to different accounts, so no account
 * ever has more attempts in flight than its lockout threshold (5) allows.
 */
const ACCOUNTS = 16;

async function registerAccounts(authUrl: string): Promise<{ email: string; password: string }[]> {
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => ({
    email: `bench-${i}-${randomBytes(4).toString('hex')}@bench.test`,
    password: randomBytes(18).toString('base64url'),
  }));
  for (const account of accounts) {
    const response = await fetch(`${authUrl}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(account),
    });
    if (response.status !== 201) {
      throw new Error(`register answered ${response.status}: ${await response.text()}`);
    }
  }
  return accounts;
}

async function rawArgon2(ctx: BenchContext, seconds: number): Promise<LoadResult> {
  const out = await ctx.registry.runToCompletion(
    'argon2id baseline',
    path.join(ctx.root, 'dist/bench/bench/src/workers/argon2-raw.js'),
    [JSON.stringify({ ...ARGON2_PARAMETERS, concurrency: CONCURRENCY, seconds })],
    (seconds + 30) * 1000,
  );
  const result = JSON.parse(out) as { count: number; seconds: number; latencies: number[]; cpuMs: number };
  const latencies = new Samples();
  result.latencies.forEach((ms) => latencies.add(ms));
  return {
    count: result.count,
    seconds: result.seconds,
    latencies,
    unexpected: {},
    errors: 0,
    exhausted: false,
    serverCpuMs: result.cpuMs,
  };
}

/** Scenario 5: `POST /auth/login` against argon2id verifications alone, at auth's parameters. */
export const loginScenario: Scenario = {
  id: 5,
  name: 'login',
  title: 'Login vs raw argon2id',
  async run(ctx) {
    const { auth } = await ctx.cluster();
    const authUrl = auth.url ?? '';
    const accounts = await registerAccounts(authUrl);
    let next = 0;
    const login = () => {
      const account = accounts[next++ % accounts.length];
      return { body: JSON.stringify({ email: account?.email, password: account?.password }) };
    };
    const { a, b, ratio } = await compare(
      ctx.options,
      {
        label: 'login',
        run: (s) =>
          withServerCpu(auth, () =>
            runHttp(
              {
                url: `${authUrl}/auth/login`,
                method: 'POST',
                connections: CONCURRENCY,
                expectStatus: 200,
                next: login,
              },
              s,
            ),
          ),
      },
      { label: 'argon2id', run: (s) => rawArgon2(ctx, s) },
    );
    const { memoryCost, timeCost, parallelism } = ARGON2_PARAMETERS;
    return [
      ratioRow(
        '5 login vs raw argon2id',
        side('POST /auth/login', a, 'logins/s'),
        side(`argon2id.verify`, b, 'verifies/s'),
        0.9,
        `m=${memoryCost} KiB, t=${timeCost}, p=${parallelism}; ${CONCURRENCY} in flight; ${ctx.database ?? ''}`,
        ratio,
      ),
    ];
  },
};
