import { Controller, Delete, Get, Module, Param, Post } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

import { launchService } from '../bootstrap/create-service';
import { PlatformModule } from '../platform.module';
import { Public } from '../public.decorator';
import { testNamespace, testNatsUrl } from '../testing';

@Public()
@Controller('things')
class ThingsController {
  @Get()
  list() {
    return [];
  }

  @Post()
  create() {
    return { created: true };
  }

  @Delete(':id')
  remove(@Param('id') id: string) {
    return { removed: id };
  }
}

describe('405 Method Not Allowed', () => {
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    const options = {
      serviceName: 'method-probe',
      host: '127.0.0.1',
      port: 0,
      natsUrl: testNatsUrl(),
      natsNamespace: testNamespace(),
      logLevel: 'warn' as const,
      metricsEnabled: false,
      // A CORS preflight route (`OPTIONS *`) and the /docs files match every path: neither may
      // turn an unknown path into a 405.
      corsOrigins: ['http://localhost:3000'],
    };
    @Module({ imports: [PlatformModule.forRoot(options)], controllers: [ThingsController] })
    class ProbeModule {}
    app = await launchService(ProbeModule, options);
    base = await app.getUrl();
  });

  afterAll(() => app?.close());

  it.each([
    ['PUT', '/things', 'GET, HEAD, POST'],
    ['PATCH', '/things?page=2', 'GET, HEAD, POST'],
    ['GET', '/things/42', 'DELETE'],
    ['POST', '/health/live', 'GET, HEAD'],
  ])('%s %s: 405 problem with Allow: %s', async (method, path, allow) => {
    const res = await fetch(`${base}${path}`, { method });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(await res.json()).toEqual({
      type: 'about:blank',
      title: 'Method Not Allowed',
      status: 405,
      code: 'method_not_allowed',
      detail: `${method} is not allowed here; use ${allow}.`,
    });
  });

  it('leaves the routes that exist, unknown paths and CORS preflights (answered or refused) as they were', async () => {
    expect((await fetch(`${base}/things`)).status).toBe(200);
    expect((await fetch(`${base}/things/42`, { method: 'DELETE' })).status).toBe(200);
    for (const method of ['GET', 'PUT', 'OPTIONS']) {
      const res = await fetch(`${base}/nothing/here`, { method });
      expect({ method, status: res.status, allow: res.headers.get('allow') }).toEqual({
        method,
        status: 404,
        allow: null,
      });
    }
    const preflight = await fetch(`${base}/things`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    const refused = await fetch(`${base}/things`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:3999', 'access-control-request-method': 'POST' },
    });
    expect({ status: refused.status, allow: refused.headers.get('allow') }).toEqual({ status: 404, allow: null });
  });
});
