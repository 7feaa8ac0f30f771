import { performance } from 'node:perf_hooks';

import { type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';

import type { LoadResult } from './http-load';
import { Samples } from './stats';

export interface NatsLoad {
  nc: NatsConnection;
  /** The full (namespaced) subject. */
  subject: string;
  /** Requests outstanding at any time: 1 is "one at a time". */
  inFlight: number;
  /** A NestJS request packet `{pattern, data, id}`, encoded once. */
  payload: Uint8Array;
  /** Cycled through, one per request (e.g. each with another user's token). */
  headers: MsgHdrs[];
}

interface NestReply {
  response?: unknown;
  err?: { status?: number };
}

/** Closed-loop NATS request/reply load for `seconds`; only replies carrying a response count. */
export async function runNats(load: NatsLoad, seconds: number): Promise<LoadResult> {
  const latencies = new Samples();
  const unexpected: Record<number, number> = {};
  let count = 0;
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const headers = load.headers[next++ % load.headers.length];
      const sent = performance.now();
      try {
        const msg = await load.nc.request(load.subject, load.payload, {
          timeout: 5000,
          ...(headers ? { headers } : {}),
        });
        const received = performance.now();
        const reply = msg.json<NestReply>();
        if (reply.err === undefined && reply.response !== undefined) {
          count++;
          latencies.add(received - sent);
        } else {
          const status = reply.err?.status ?? 0;
          unexpected[status] = (unexpected[status] ?? 0) + 1;
        }
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: load.inFlight }, loop));
  return { count, seconds: (performance.now() - started) / 1000, latencies, unexpected, errors, exhausted: false };
}
