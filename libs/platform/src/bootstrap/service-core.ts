import type { DynamicModule } from '@nestjs/common';

import { platformOptions, type ServiceConfig } from '../config/service.config';
import type { DatabaseOptions } from '../database/database';
import { DatabaseModule } from '../database/database.module';
import { PlatformModule } from '../platform.module';

/**
 * What every service's AppModule stands on: its NATS connection, logging, health and metrics
 * (PlatformModule), and its own database with migrations applied. The app adds token
 * verification (`@tessera/auth`) and its feature modules.
 */
export function serviceCoreModules<TSchema extends Record<string, unknown>>(
  serviceName: string,
  config: ServiceConfig,
  database: DatabaseOptions<TSchema>,
): DynamicModule[] {
  return [
    PlatformModule.forRoot(platformOptions(serviceName, config)),
    // The module holds the options untyped; the hook still receives this schema's database.
    DatabaseModule.forRootAsync({
      inject: [],
      useFactory: () => database as unknown as DatabaseOptions<Record<string, unknown>>,
    }),
  ];
}
