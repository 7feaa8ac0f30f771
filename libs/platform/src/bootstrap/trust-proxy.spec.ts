import { Controller, Get, Module, Req } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';

import { PlatformModule } from '../platform.module';
import { Public } from '../public.decorator';
import { testNamespace, testNatsUrl } from '../testing';
import { launchService } from './create-service';

@Public()
@Controller()
class WhoController {
  /** What auth records as a session's or a sign-in attempt's client address. */
  @Get('who')
  who(@Req() request: FastifyRequest) {
    return { ip: request.ip };
  }
}

async function start(trustProxy: string[] | undefined): Promise<NestFastifyApplication> {
  const options = {
    serviceName: 'probe',
    host: '127.0.0.1',
    port: 0,
    natsUrl: testNatsUrl(),
    natsNamespace: testNamespace(),
    logLevel: 'silent' as const,
    docsEnabled: false,
    trustProxy,
  };
  @Module({ imports: [PlatformModule.forRoot(options)], controllers: [WhoController] })
  class WhoModule {}
  return launchService(WhoModule, options);
}

describe('the client address behind a proxy (TRUST_PROXY)', () => {
  const apps: NestFastifyApplication[] = [];
  afterAll(() => Promise.all(apps.map((a) => a.close())));

  const ipSeenBy = async (trustProxy: string[] | undefined, forwardedFor?: string): Promise<string> => {
    const app = await start(trustProxy);
    apps.push(app);
    const res = await fetch(`${await app.getUrl()}/who`, {
      headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { ip: string }).ip;
  };

  it('ignores X-Forwarded-For by default: a caller cannot pose as another address', async () => {
    expect(await ipSeenBy(undefined, '203.0.113.9')).toBe('127.0.0.1');
  });

  it('takes the client from X-Forwarded-For when the peer is a listed proxy', async () => {
    expect(await ipSeenBy(['127.0.0.1'], '203.0.113.9')).toBe('203.0.113.9');
  });

  it('stops at the first address that is not a trusted proxy, so a forged left-most entry is ignored', async () => {
    expect(await ipSeenBy(['loopback'], '198.51.100.66, 203.0.113.9')).toBe('203.0.113.9');
  });

  it('ignores X-Forwarded-For from a peer that is not listed', async () => {
    expect(await ipSeenBy(['10.0.0.0/8'], '203.0.113.9')).toBe('127.0.0.1');
  });
});
