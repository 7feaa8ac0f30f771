import { performance } from 'node:perf_hooks';

import autocannon, { type AutocannonInstance, type AutocannonRequest } from 'autocannon';

import { Samples } from './stats';

export interface RequestShape {
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpLoad {
  url: string;
  method?: 'GET' | 'POST';
  connections: number;
  /** Every response must have this status; anything else fails the scenario (no fast 401s counted). */
  expectStatus: number;
  /** Requests each connection cycles through (prebuilt once, cheapest for the load generator). */
  requests?: RequestShape[];
  /**
   * Or one request built per send. `undefined` means the supply is used up: counting stops
   * there, and the run ends at autocannon's next tick.
   */
  next?: () => RequestShape | undefined;
}

export interface LoadResult {
  /** Responses with the expected status inside the measured window. */
  count: number;
  seconds: number;
  latencies: Samples;
  /** Status code -> count, for anything but the expected status. */
  unexpected: Record<number, number>;
  errors: number;
  /** True when `next` ran out before the duration. */
  exhausted: boolean;
  /** CPU the server used during the run (ms), when known. */
  serverCpuMs?: number;
}

/** Something whose CPU time can be read (a ManagedProcess). */
export interface CpuSource {
  cpuMs(): number | undefined;
}

/** Runs `load` and adds the server's CPU time over it to the result. */
export async function withServerCpu(server: CpuSource, load: () => Promise<LoadResult>): Promise<LoadResult> {
  const before = server.cpuMs();
  const result = await load();
  const after = server.cpuMs();
  return before === undefined || after === undefined ? result : { ...result, serverCpuMs: after - before };
}

export function rateOf(results: LoadResult[]): number {
  const count = results.reduce((n, r) => n + r.count, 0);
  const seconds = results.reduce((s, r) => s + r.seconds, 0);
  return seconds > 0 ? count / seconds : 0;
}

/** One bounded autocannon run; latencies are recorded per response, at microsecond resolution. */
export function runHttp(load: HttpLoad, seconds: number): Promise<LoadResult> {
  const url = new URL(load.url);
  const base: AutocannonRequest = { method: load.method ?? 'GET', path: `${url.pathname}${url.search}` };
  let exhaustedAt: number | undefined;
  // Set once autocannon returns; setupRequest already runs inside that call.
  const handle: { instance?: AutocannonInstance } = {};
  let last: RequestShape = {};
  const requests: AutocannonRequest[] = load.next
    ? [
        {
          ...base,
          setupRequest: (request) => {
            const shape = exhaustedAt === undefined ? load.next?.() : undefined;
            if (shape === undefined && exhaustedAt === undefined) {
              exhaustedAt = performance.now();
              handle.instance?.stop();
            }
            // autocannon cannot skip a send: after the supply ends the last request is repeated,
            // outside the measured window.
            last = shape ?? last;
            request.headers = { ...request.headers, ...last.headers };
            if (last.body !== undefined) {
              request.body = last.body;
            }
            return request;
          },
        },
      ]
    : (load.requests ?? [{}]).map((shape) => ({ ...base, ...shape }));
  const latencies = new Samples();
  const unexpected: Record<number, number> = {};
  let count = 0;
  let errors = 0;
  const started = performance.now();
  let finished = started;
  let settle: (error: Error | null) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    settle = (error) => (error ? reject(error) : resolve());
  });
  const instance = autocannon(
    {
      url: `${url.origin}`,
      connections: load.connections,
      duration: seconds,
      timeout: 10,
      requests,
      sampleInt: 100,
      headers: load.method === 'POST' ? { 'content-type': 'application/json' } : {},
    },
    (error) => settle(error),
  );
  handle.instance = instance;
  instance.on('response', (_client, status, _bytes, ms) => {
    const now = performance.now();
    if (exhaustedAt !== undefined && now > exhaustedAt) {
      return;
    }
    if (status === load.expectStatus) {
      count++;
      latencies.add(ms);
      finished = now;
    } else {
      unexpected[status] = (unexpected[status] ?? 0) + 1;
    }
  });
  instance.on('reqError', () => {
    errors++;
  });
  return done.then(() => {
    const end = exhaustedAt ?? Math.max(finished, performance.now());
    return {
      count,
      seconds: (end - started) / 1000,
      latencies,
      unexpected,
      errors,
      exhausted: exhaustedAt !== undefined,
    };
  });
}

/** Throws when a run saw errors or unexpected statuses, so a broken setup never passes for a fast one. */
export function assertClean(label: string, result: LoadResult): void {
  const wrong = Object.values(result.unexpected).reduce((n, c) => n + c, 0);
  if (result.count === 0 || wrong > result.count * 0.001 || result.errors > result.count * 0.001) {
    throw new Error(
      `${label}: ${result.count} expected responses, unexpected statuses ${JSON.stringify(result.unexpected)}, ` +
        `${result.errors} socket errors`,
    );
  }
}
