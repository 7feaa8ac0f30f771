import type { DynamicModule } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthModule, authModuleOptions } from '@tessera/auth';
import { PlatformModule, platformOptions } from '@tessera/platform';

import { BenchAppConfig } from './bench-app.config';
import { BenchController } from './bench.controller';
import { BenchMessages } from './bench.messages';
import { RedisSessionGuard } from './session.guard';

export const SERVICE_NAME = 'bench';
/** The bench service stands in for profile: tokens must name it in `aud`. */
export const BENCH_AUDIENCE = 'profile';

/**
 * One service, three builds: the same routes and handlers with Tessera's global guard (exactly
 * as orders and profile import it), with no guard at all, or with a Redis session guard.
 */
@Module({})
export class BenchAppModule {
  static forRoot(config: BenchAppConfig): DynamicModule {
    const guard = config.BENCH_GUARD;
    return {
      module: BenchAppModule,
      imports: [
        PlatformModule.forRoot(platformOptions(SERVICE_NAME, config)),
        ...(guard === 'tessera' ? [AuthModule.forRoot(authModuleOptions(BENCH_AUDIENCE, config))] : []),
      ],
      controllers: [BenchController, BenchMessages],
      providers: [
        { provide: BenchAppConfig, useValue: config },
        ...(guard === 'session' ? [{ provide: APP_GUARD, useClass: RedisSessionGuard }] : []),
      ],
    };
  }
}
