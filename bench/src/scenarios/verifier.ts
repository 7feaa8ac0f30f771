import { createPublicKey, type KeyObject, randomUUID, verify } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import { createTestVerifier } from '@tessera/auth/testing';

import { pairedRatio, type Summary } from '../harness/compare';
import type { BenchContext } from '../harness/context';
import { Samples } from '../harness/stats';
import { signUserTokens, userTokenSpec } from '../harness/tokens';
import { ratioRow, type Scenario, side } from './scenario';

const AUDIENCE = 'orders';

interface RawClaims {
  iss?: unknown;
  aud?: unknown;
  exp?: unknown;
  nbf?: unknown;
  sub?: unknown;
}

/** The raw limit: one node:crypto RS256 verify, the JSON parses and the claim checks, nothing else. */
function rawVerify(token: string, key: KeyObject, issuer: string): RawClaims {
  const first = token.indexOf('.');
  const last = token.lastIndexOf('.');
  const header = JSON.parse(Buffer.from(token.slice(0, first), 'base64url').toString()) as { alg?: unknown };
  if (header.alg !== 'RS256') {
    throw new Error('alg');
  }
  const signature = Buffer.from(token.slice(last + 1), 'base64url');
  if (!verify('sha256', Buffer.from(token.slice(0, last)), key, signature)) {
    throw new Error('signature');
  }
  const claims = JSON.parse(Buffer.from(token.slice(first + 1, last), 'base64url').toString()) as RawClaims;
  const now = Date.now() / 1000;
  if (
    claims.iss !== issuer ||
    !Array.isArray(claims.aud) ||
    !claims.aud.includes(AUDIENCE) ||
    typeof claims.exp !== 'number' ||
    claims.exp <= now ||
    (typeof claims.nbf === 'number' && claims.nbf > now)
  ) {
    throw new Error('claims');
  }
  return claims;
}

type Check = (token: string) => unknown;

/** Runs `check` over the tokens, cycling, for `ms`; every call is timed. */
async function slice(check: Check, tokens: string[], ms: number, samples: Samples): Promise<[number, number]> {
  let i = 0;
  const started = performance.now();
  const deadline = started + ms;
  let now = started;
  while (now < deadline) {
    const token = tokens[i++ % tokens.length] ?? '';
    await check(token);
    const done = performance.now();
    samples.add(done - now);
    now = done;
  }
  return [i, (now - started) / 1000];
}

/** A against B in alternating slices of the same length (A B, B A, ...), in this process. */
async function interleave(a: Check, b: Check, tokens: string[], ctx: BenchContext): Promise<[Summary, Summary]> {
  const sides = [a, b].map((check) => ({
    check,
    samples: new Samples(),
    count: 0,
    seconds: 0,
    rounds: [] as number[],
  }));
  // Twice as many slices as rounds, a quarter as long: in-process figures settle fast.
  const sliceMs = ctx.options.durationSeconds * 250;
  for (const s of sides) {
    await slice(s.check, tokens, ctx.options.warmupSeconds * 500, new Samples());
  }
  for (let round = 0; round < ctx.options.rounds * 2; round++) {
    for (const s of round % 2 === 0 ? sides : [...sides].reverse()) {
      const [count, secs] = await slice(s.check, tokens, sliceMs, s.samples);
      s.count += count;
      s.seconds += secs;
      s.rounds.push(Math.round(count / secs));
    }
  }
  const [sa, sb] = sides.map((s): Summary => ({
    rate: s.count / s.seconds,
    p50Ms: s.samples.percentile(50),
    p99Ms: s.samples.percentile(99),
    count: s.count,
    seconds: s.seconds,
    rounds: s.rounds,
  }));
  if (!sa || !sb) {
    throw new Error('unreachable');
  }
  return [sa, sb];
}

/** Scenario 3: libs/auth's TokenVerifier against the raw limit, in-process. */
export const verifierScenario: Scenario = {
  id: 3,
  name: 'verifier',
  title: 'TokenVerifier vs a bare node:crypto RS256 verify, in-process',
  inProcess: true,
  async run(ctx: BenchContext) {
    const key = await ctx.key();
    const issuer = ctx.issuer;
    const tokens = signUserTokens(key, userTokenSpec(key, issuer), 1000);
    const publicKey = createPublicKey({ key: key.publicJwk as never, format: 'jwk' });
    const build = (cacheSize: number) => {
      const built = createTestVerifier({ issuer, audience: AUDIENCE, verifiedTokenCacheSize: cacheSize }, [
        key.publicJwk,
      ]);
      // A realistic revocation state to look up: 10,000 revoked tokens and 1,000 users.
      const exp = Math.floor(Date.now() / 1000) + 900;
      for (let i = 0; i < 10_000; i++) {
        built.revocations.putJti(randomUUID(), { exp });
      }
      for (let i = 0; i < 1000; i++) {
        built.revocations.putSubject(randomUUID(), { before: exp - 900 });
      }
      return built.verifier;
    };
    const uncached = build(0);
    const cached = build(10_000);
    const raw: Check = (token) => rawVerify(token, publicKey, issuer);
    // Every token must pass both ways before anything is timed.
    for (const token of tokens) {
      raw(token);
      await uncached.verify(token);
      await cached.verify(token);
    }
    const [full, rawFull] = await interleave((t) => uncached.verify(t), raw, tokens, ctx);
    const [hit, rawHit] = await interleave((t) => cached.verify(t), raw, tokens, ctx);
    ctx.measured.rawVerifyMs = 1000 / ((rawFull.rate + rawHit.rate) / 2);
    return [
      ratioRow(
        '3 verifier vs raw limit',
        side('TokenVerifier, no cache', full, 'ops/s'),
        side('raw RS256 + claims', rawFull, 'ops/s'),
        0.9,
        undefined,
        pairedRatio(full, rawFull),
      ),
      ratioRow(
        '3 verifier (cached) vs raw',
        side('TokenVerifier, cache hits', hit, 'ops/s'),
        side('raw RS256 + claims', rawHit, 'ops/s'),
        10,
        undefined,
        pairedRatio(hit, rawHit),
      ),
    ];
  },
};
