import { Logger } from '@nestjs/common';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { connect } from '@nats-io/transport-node';
import { Headers, QueueGroups, Subjects } from '@tessera/contracts';
import { IsString } from 'class-validator';

import { TesseraError } from '../errors/tessera-error';
import { Metrics } from '../metrics/metrics';
import { metricValue } from '../metrics/metrics.testing';
import { NatsMetrics } from '../metrics/nats-metrics';
import { testNamespace, testNatsUrl } from '../testing';
import { NatsRpcClient, UpstreamTimeoutError, UpstreamUnavailableError } from './nats-rpc.client';

class EchoReply {
  @IsString()
  seenBy!: string;
}

type Send = (subject: string, payload: object, options: { requestId?: string }, timeoutMs: number) => Promise<unknown>;

function clientWith(metrics: NatsMetrics, timeoutMs = 1000): { client: NatsRpcClient; send: jest.Mock } {
  const client = new NatsRpcClient({ servers: testNatsUrl(), name: 'rpc-spec', requestTimeoutMs: timeoutMs }, metrics);
  const send = jest.fn<ReturnType<Send>, Parameters<Send>>();
  Reflect.set(client, 'send', send);
  return { client, send };
}

describe('NatsRpcClient retry policy', () => {
  let metrics: Metrics;
  let nats: NatsMetrics;

  beforeEach(() => {
    metrics = new Metrics('rpc-spec');
    nats = new NatsMetrics(metrics);
  });

  const retries = async (subject: string) =>
    metricValue(await metrics.scrape(), 'tessera_nats_client_retries_total', { subject });

  it('retries an idempotent subject once after a timeout, with the rest of the deadline and the same request id', async () => {
    const { client, send } = clientWith(nats, 1000);
    send.mockRejectedValueOnce(new UpstreamTimeoutError(Subjects.ProfileGet)).mockResolvedValueOnce({ seenBy: 'b' });
    await expect(
      client.request(Subjects.ProfileGet, { userId: 'u' }, EchoReply, { requestId: 'req-1' }),
    ).resolves.toEqual({ seenBy: 'b' });
    expect(send).toHaveBeenCalledTimes(2);
    expect(send.mock.calls[0][2].requestId).toBe('req-1');
    expect(send.mock.calls[1][2].requestId).toBe('req-1');
    expect(send.mock.calls[0][3]).toBe(500);
    expect(send.mock.calls[1][3]).toBeGreaterThan(0);
    expect(send.mock.calls[1][3]).toBeLessThanOrEqual(1000);
    expect(await retries(Subjects.ProfileGet)).toBe(1);
  });

  it('retries after no responder, and gives up after the second failure', async () => {
    const { client, send } = clientWith(nats);
    send.mockRejectedValue(new UpstreamUnavailableError(Subjects.OrdersSummary));
    await expect(client.request(Subjects.OrdersSummary, {}, EchoReply)).rejects.toBeInstanceOf(
      UpstreamUnavailableError,
    );
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('never retries a request that is not idempotent, nor an error reply', async () => {
    const { client, send } = clientWith(nats);
    send.mockRejectedValue(new UpstreamTimeoutError('orders.place.v1'));
    await expect(client.request('orders.place.v1', {}, EchoReply)).rejects.toBeInstanceOf(UpstreamTimeoutError);
    expect(send).toHaveBeenCalledTimes(1);
    expect(send.mock.calls[0][3]).toBe(1000);

    send.mockReset().mockRejectedValue(new UpstreamTimeoutError(Subjects.ProfileGet));
    await expect(client.request(Subjects.ProfileGet, {}, EchoReply, { idempotent: false })).rejects.toBeInstanceOf(
      UpstreamTimeoutError,
    );
    expect(send).toHaveBeenCalledTimes(1);

    send.mockReset().mockRejectedValue(new TesseraError('not_found', 404, 'No such profile.'));
    await expect(client.request(Subjects.ProfileGet, {}, EchoReply)).rejects.toMatchObject({ status: 404 });
    expect(send).toHaveBeenCalledTimes(1);
    expect(await retries(Subjects.ProfileGet)).toBe(0);
  });
});

/**
 * Two replicas in one queue group on the real server: one froze (takes requests, never answers,
 * and drops out of the group after the first, as a killed process does once the server notices),
 * the other answers.
 */
describe('NatsRpcClient with a frozen replica (real NATS)', () => {
  const subject = 'rpcspec.echo.v1';
  let nc: NatsConnection;
  let namespace: string;
  let subs: Subscription[];
  let warn: jest.SpyInstance;

  beforeEach(async () => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    nc = await connect({ servers: testNatsUrl() });
    namespace = testNamespace();
    subs = [];
  });

  afterEach(async () => {
    subs.forEach((s) => s.unsubscribe());
    await nc.close();
    warn.mockRestore();
  });

  async function replicas(): Promise<{ frozen: string[]; healthy: string[] }> {
    const seen = { frozen: [] as string[], healthy: [] as string[] };
    const full = `${namespace}.${subject}`;
    const frozen = nc.subscribe(full, {
      queue: QueueGroups.Profile,
      callback: (_err, msg: Msg) => {
        seen.frozen.push(msg.headers?.get(Headers.RequestId) ?? '');
        // Leaves the group: what is already on its way to this client is swallowed too.
        frozen.unsubscribe();
      },
    });
    const healthy = nc.subscribe(full, {
      queue: QueueGroups.Profile,
      callback: (_err, msg: Msg) => {
        seen.healthy.push(msg.headers?.get(Headers.RequestId) ?? '');
        const packet = msg.json<{ id: string }>();
        msg.respond(JSON.stringify({ id: packet.id, response: { seenBy: 'healthy' }, isDisposed: true }));
      },
    });
    subs.push(frozen, healthy);
    await nc.flush();
    return seen;
  }

  async function sendAll(idempotent: boolean): Promise<{ results: PromiseSettledResult<EchoReply>[]; ms: number }> {
    const client = new NatsRpcClient({ servers: testNatsUrl(), name: 'rpc-spec', namespace, requestTimeoutMs: 1000 });
    try {
      const started = Date.now();
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          client.request(subject, {}, EchoReply, { requestId: `req-${i}`, idempotent }),
        ),
      );
      return { results, ms: Date.now() - started };
    } finally {
      await client.onApplicationShutdown();
    }
  }

  it('answers every idempotent request within the deadline, the swallowed ones from the other replica', async () => {
    const seen = await replicas();
    const { results, ms } = await sendAll(true);
    expect(seen.frozen.length).toBeGreaterThan(0);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(ms).toBeLessThan(1500);
    // Every request reached the healthy replica once, the retries with their original request id.
    expect([...seen.healthy].sort()).toEqual(Array.from({ length: 20 }, (_, i) => `req-${i}`).sort());
  });

  it('does not retry a request that is not idempotent: the swallowed ones time out', async () => {
    const seen = await replicas();
    const { results } = await sendAll(false);
    expect(seen.frozen.length).toBeGreaterThan(0);
    // The frozen replica's client drops what arrived after it left the group; those were swallowed too.
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed).toHaveLength(20 - seen.healthy.length);
    failed.forEach((r) => expect(r.reason).toBeInstanceOf(UpstreamTimeoutError));
    expect(new Set(seen.healthy).size).toBe(seen.healthy.length);
    expect(seen.healthy).not.toContain(seen.frozen[0]);
  });
});
