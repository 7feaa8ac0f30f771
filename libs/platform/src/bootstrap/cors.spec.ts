import { Controller, Get, Module, Post } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

import { PlatformModule } from '../platform.module';
import { Public } from '../public.decorator';
import { testNamespace, testNatsUrl } from '../testing';
import { launchService } from './create-service';

const CONSOLE = 'http://localhost:3000';
const OTHER = 'http://localhost:3999';

@Public()
@Controller()
class ProbeController {
  @Get('thing')
  thing() {
    return { ok: true };
  }

  @Post('thing')
  create() {
    return { created: true };
  }
}

async function start(corsOrigins: string[]): Promise<NestFastifyApplication> {
  const options = {
    serviceName: 'cors-probe',
    host: '127.0.0.1',
    port: 0,
    natsUrl: testNatsUrl(),
    natsNamespace: testNamespace(),
    logLevel: 'warn' as const,
    docsEnabled: false,
    metricsEnabled: false,
    corsOrigins,
  };
  @Module({ imports: [PlatformModule.forRoot(options)], controllers: [ProbeController] })
  class ProbeModule {}
  return launchService(ProbeModule, options);
}

/** A browser's preflight for a credentialed JSON POST with a bearer token. */
const preflight = (base: string, origin: string) =>
  fetch(`${base}/thing`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization,content-type',
    },
  });

const corsHeaders = (res: Response) =>
  Object.fromEntries([...res.headers].filter(([name]) => name.startsWith('access-control-')));

describe('CORS for the origins of CORS_ORIGINS', () => {
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    app = await start([CONSOLE, 'https://console.example.com']);
    base = await app.getUrl();
  });

  afterAll(() => app?.close());

  it('answers the preflight of a listed origin with its origin, credentials, methods, headers and max-age', async () => {
    const res = await preflight(base, CONSOLE);
    expect(res.status).toBe(204);
    expect(corsHeaders(res)).toEqual({
      'access-control-allow-origin': CONSOLE,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, HEAD, POST, PATCH, DELETE',
      'access-control-allow-headers': 'authorization, content-type, x-request-id',
      'access-control-expose-headers': 'retry-after, www-authenticate, x-request-id',
      'access-control-max-age': '600',
    });
    expect(res.headers.get('vary')).toMatch(/\bOrigin\b/i);
  });

  it('answers a real request of a listed origin with its origin, credentials and the exposed headers', async () => {
    const res = await fetch(`${base}/thing`, { headers: { origin: CONSOLE } });
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual({
      'access-control-allow-origin': CONSOLE,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'retry-after, www-authenticate, x-request-id',
    });
    expect(res.headers.get('vary')).toMatch(/\bOrigin\b/i);
    expect(await res.json()).toEqual({ ok: true });
  });

  it.each([
    ['another port of the same host', OTHER],
    ['a listed origin with a path', `${CONSOLE}/`],
    ['the other scheme', 'https://localhost:3000'],
    ['a suffix of a listed origin', 'https://evil-console.example.com'],
    ['the null origin', 'null'],
  ])('gives %s no CORS header at all, on the preflight (404) and on a real request', async (_, origin) => {
    const pre = await preflight(base, origin);
    expect(pre.status).toBe(404);
    expect(corsHeaders(pre)).toEqual({});
    const res = await fetch(`${base}/thing`, { method: 'POST', headers: { origin } });
    expect(res.status).toBe(201);
    expect(corsHeaders(res)).toEqual({});
  });

  it('adds nothing to a request without Origin (same-origin, curl, another service)', async () => {
    const res = await fetch(`${base}/thing`);
    expect(res.status).toBe(200);
    expect(corsHeaders(res)).toEqual({});
  });
});

describe('a service without CORS_ORIGINS', () => {
  it('sends no CORS header to any origin, and has no preflight route', async () => {
    const app = await start([]);
    try {
      const base = await app.getUrl();
      const res = await fetch(`${base}/thing`, { headers: { origin: CONSOLE } });
      expect(res.status).toBe(200);
      expect(corsHeaders(res)).toEqual({});
      const pre = await preflight(base, CONSOLE);
      expect(pre.status).toBe(404);
      expect(corsHeaders(pre)).toEqual({});
    } finally {
      await app.close();
    }
  });
});
