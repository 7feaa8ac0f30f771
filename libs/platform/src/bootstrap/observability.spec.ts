import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { IsOptional, IsString } from 'class-validator';

import { currentRequestId } from '../logging/request-context';
import { NatsRpcClient } from '../nats/nats-rpc.client';
import { PlatformModule } from '../platform.module';
import { Public } from '../public.decorator';
import { metricValue, testNamespace, testNatsUrl } from '../testing';
import { launchService } from './create-service';

const ECHO = 'observability.echo.v1';

class EchoReply {
  @IsString()
  requestId!: string;
}

class LoginLikeDto {
  @IsString()
  email!: string;

  @IsOptional()
  @IsString()
  password?: string;
}

@Public()
@Controller()
class ProbeController {
  constructor(private readonly rpc: NatsRpcClient) {}

  /** Answers the request id seen by the handler, after Fastify has read a body. */
  @Post('echo')
  echo(@Body() _body: LoginLikeDto) {
    return { requestId: currentRequestId() };
  }

  /** Asks the NATS handler below, passing no request id: the client must send the current one. */
  @Get('relay/:name')
  relay() {
    return this.rpc.request(ECHO, {}, EchoReply);
  }

  @MessagePattern(ECHO)
  natsEcho() {
    return { requestId: currentRequestId() };
  }
}

async function start(lines: Record<string, unknown>[], metricsEnabled = true): Promise<NestFastifyApplication> {
  const options = {
    serviceName: 'probe',
    host: '127.0.0.1',
    port: 0,
    natsUrl: testNatsUrl(),
    natsNamespace: testNamespace(),
    logLevel: 'info' as const,
    metricsEnabled,
    docsEnabled: false,
  };
  @Module({ imports: [PlatformModule.forRoot(options)], controllers: [ProbeController] })
  class ProbeModule {}
  return launchService(ProbeModule, {
    ...options,
    logDestination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
}

describe('request ids, request logs and /metrics of a service', () => {
  const lines: Record<string, unknown>[] = [];
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    app = await start(lines);
    base = await app.getUrl();
  });

  afterAll(() => app?.close());

  const post = (headers: Record<string, string> = {}) =>
    fetch(`${base}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ email: 'a@example.test', password: 'p4ssw0rd-in-a-body' }),
    });

  it("keeps the caller's x-request-id, answers it back and knows it in the handler after the body is read", async () => {
    const res = await post({ 'x-request-id': 'trace-abc.1' });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe('trace-abc.1');
    expect(await res.json()).toEqual({ requestId: 'trace-abc.1' });
  });

  it('replaces an unacceptable x-request-id with a new one', async () => {
    const res = await post({ 'x-request-id': 'no spaces <allowed>' });
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.json()).toEqual({ requestId: id });
  });

  it('sends the current request id with a NATS request, and the handler serves it in that context', async () => {
    const res = await fetch(`${base}/relay/x`, { headers: { 'x-request-id': 'relay-1' } });
    expect(await res.json()).toEqual({ requestId: 'relay-1' });
    const handled = lines.find((l) => l.msg === 'nats request handled' && l.requestId === 'relay-1');
    expect(handled).toMatchObject({ service: 'probe', subject: ECHO, outcome: 'ok' });
    expect(typeof handled?.durationMs).toBe('number');
  });

  it('logs one JSON line per request: method, route, path, status, duration and request id, and no body', async () => {
    const res = await post({ 'x-request-id': 'logged-1', authorization: 'Bearer not-a-real-token' });
    await res.arrayBuffer();
    const mine = lines.filter((l) => l.requestId === 'logged-1');
    expect(mine).toEqual([
      expect.objectContaining({
        level: 'info',
        msg: 'request completed',
        method: 'POST',
        route: '/echo',
        path: '/echo',
        status: 201,
        durationMs: expect.any(Number),
      }),
    ]);
    const text = lines.map((l) => JSON.stringify(l)).join('\n');
    expect(text).not.toContain('p4ssw0rd-in-a-body');
    expect(text).not.toContain('not-a-real-token');
  });

  it('serves /metrics without a token, with HTTP and NATS latency by route pattern and subject', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const http = (labels: Record<string, string>) =>
      metricValue(text, 'tessera_http_request_duration_seconds_count', { service: 'probe', ...labels });
    expect(http({ method: 'POST', route: '/echo', status_code: '201' })).toBeGreaterThanOrEqual(3);
    // The pattern, not the path: /relay/x is counted as /relay/:name.
    expect(http({ method: 'GET', route: '/relay/:name', status_code: '200' })).toBe(1);
    expect(text).not.toContain('/relay/x');
    const nats = { subject: ECHO, outcome: 'ok', service: 'probe' };
    expect(metricValue(text, 'tessera_nats_handler_duration_seconds_count', nats)).toBe(1);
    expect(metricValue(text, 'tessera_nats_client_request_duration_seconds_count', nats)).toBe(1);
  });

  it('counts a request no route matched under one "unmatched" route', async () => {
    await (await fetch(`${base}/no/such/path-${Date.now()}`)).arrayBuffer();
    const text = await (await fetch(`${base}/metrics`)).text();
    const labels = { method: 'GET', route: 'unmatched', status_code: '404' };
    expect(metricValue(text, 'tessera_http_request_duration_seconds_count', labels)).toBe(1);
    expect(text).not.toContain('/no/such/path');
  });
});

describe('a service with METRICS_ENABLED=false', () => {
  it('answers 404 at /metrics', async () => {
    const app = await start([], false);
    try {
      const res = await fetch(`${await app.getUrl()}/metrics`);
      expect(res.status).toBe(404);
    } finally {
      await app.close();
    }
  });
});
