export interface TimedRequest {
  status: number;
  startedAt: number;
  endedAt: number;
}

export interface LoadAroundKill {
  requests: TimedRequest[];
  /** Requests that were still waiting for their answer when `kill` was called. */
  inFlightAtKill: number;
  /** Requests started while `kill` ran (before the killed process was seen gone). */
  startedDuringKill: number;
  /** Requests that overlapped the kill: the only ones a lost instance can have taken down. */
  exposed: TimedRequest[];
  killedAt: number;
  goneAt: number;
}

/**
 * Sends requests from `workers` concurrent loops; once `warmUp` have been answered, calls `kill`
 * (which resolves when the killed process is gone) and goes on until `after` more have been
 * answered after it. Bounded by `timeoutMs`. A request that fails because an instance died can
 * only be one that overlapped the kill: in flight when it began, or started before it ended.
 */
export async function requestsAroundKill(
  send: (worker: number) => Promise<number>,
  kill: () => Promise<void>,
  { workers, warmUp, after, timeoutMs }: { workers: number; warmUp: number; after: number; timeoutMs: number },
): Promise<LoadAroundKill> {
  const requests: TimedRequest[] = [];
  const deadline = Date.now() + timeoutMs;
  let inFlight = 0;
  let killedAt = Number.POSITIVE_INFINITY;
  let goneAt = Number.POSITIVE_INFINITY;
  let inFlightAtKill = 0;
  let startedDuringKill = 0;
  let killing: Promise<void> | undefined;
  let killFailed: Error | undefined;
  const answeredAfterKill = () => requests.filter((r) => r.startedAt > goneAt).length;

  const loop = async (worker: number) => {
    while (Date.now() < deadline && answeredAfterKill() < after && killFailed === undefined) {
      if (!killing && requests.length >= warmUp) {
        killedAt = Date.now();
        inFlightAtKill = inFlight;
        killing = kill().then(
          () => {
            goneAt = Date.now();
          },
          (e: unknown) => {
            killFailed = e instanceof Error ? e : new Error(`kill failed: ${JSON.stringify(e)}`);
          },
        );
      }
      const startedAt = Date.now();
      if (killing && goneAt === Number.POSITIVE_INFINITY) {
        startedDuringKill++;
      }
      inFlight++;
      const status = await send(worker).catch(() => 0);
      inFlight--;
      requests.push({ status, startedAt, endedAt: Date.now() });
    }
  };
  await Promise.all(Array.from({ length: workers }, (_, i) => loop(i)));
  await killing;
  if (killFailed !== undefined) {
    throw killFailed;
  }
  if (answeredAfterKill() < after) {
    throw new Error(`only ${answeredAfterKill()} of ${after} requests were answered after the kill in ${timeoutMs} ms`);
  }
  const exposed = requests.filter((r) => r.endedAt >= killedAt && r.startedAt <= goneAt);
  return { requests, inFlightAtKill, startedDuringKill, exposed, killedAt, goneAt };
}
