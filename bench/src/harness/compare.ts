import type { BenchOptions } from './context';
import { assertClean, type LoadResult, rateOf } from './http-load';
import { median, Samples } from './stats';

export interface Summary {
  rate: number;
  p50Ms: number;
  p99Ms: number;
  count: number;
  seconds: number;
  /** Rate of each round, to see the spread. */
  rounds: number[];
  /** Server CPU per counted request (µs), when the server's CPU was read. */
  cpuPerRequestUs?: number;
}

export function summarize(results: LoadResult[]): Summary {
  const count = results.reduce((n, r) => n + r.count, 0);
  const all = new Samples();
  for (const r of results) {
    all.addAll(r.latencies);
  }
  return {
    rate: rateOf(results),
    p50Ms: all.percentile(50),
    p99Ms: all.percentile(99),
    count,
    seconds: results.reduce((s, r) => s + r.seconds, 0),
    rounds: results.map((r) => Math.round(r.count / r.seconds)),
    ...(results.every((r) => r.serverCpuMs !== undefined)
      ? { cpuPerRequestUs: (results.reduce((s, r) => s + (r.serverCpuMs ?? 0), 0) * 1000) / Math.max(1, count) }
      : {}),
  };
}

export type Run = (seconds: number) => Promise<LoadResult>;

/** A/B per round, rounds paired in the order they ran: the median, and the spread as a noise gauge. */
export interface PairedRatio {
  median: number;
  min: number;
  max: number;
}

export interface Comparison {
  a: Summary;
  b: Summary;
  /** Over rounds, A's rate / B's rate in the same round: robust to a burst of load elsewhere. */
  ratio: PairedRatio;
}

export function pairedRatio(a: Summary, b: Summary): PairedRatio {
  const ratios = a.rounds.map((rate, i) => rate / (b.rounds[i] ?? Number.NaN));
  return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
}

/**
 * Side by side on a shared, noisy machine: both sides warm up, then run in short alternating
 * windows (A B, B A, ...) of the same length, so background load and drift hit both alike.
 * A side whose request supply runs out (never-seen tokens) ends the rounds; only complete
 * rounds count.
 */
export async function compare(
  options: BenchOptions,
  a: { label: string; run: Run },
  b: { label: string; run: Run },
): Promise<Comparison> {
  await a.run(options.warmupSeconds);
  await b.run(options.warmupSeconds);
  const results: { a: LoadResult[]; b: LoadResult[] } = { a: [], b: [] };
  rounds: for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const);
    const pair: Partial<Record<'a' | 'b', LoadResult>> = {};
    for (const side of order) {
      const { label, run } = side === 'a' ? a : b;
      const result = await run(options.durationSeconds);
      if (result.exhausted && result.count === 0) {
        break rounds;
      }
      assertClean(label, result);
      pair[side] = result;
    }
    if (pair.a && pair.b) {
      results.a.push(pair.a);
      results.b.push(pair.b);
    }
  }
  if (results.a.length === 0) {
    throw new Error(`${a.label} / ${b.label}: no round completed`);
  }
  const summaries = { a: summarize(results.a), b: summarize(results.b) };
  return { ...summaries, ratio: pairedRatio(summaries.a, summaries.b) };
}
