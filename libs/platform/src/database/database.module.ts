import type { DynamicModule, OnApplicationShutdown } from '@nestjs/common';
import { Global, Inject, Module } from '@nestjs/common';

import { ReadinessService } from '../health/readiness.service';
import type { DatabaseHandle, DatabaseOptions } from './database';
import { openDatabase } from './database';

/** Injection token for the app's drizzle database. */
export const DATABASE = Symbol('DATABASE');
const DATABASE_HANDLE = Symbol('DATABASE_HANDLE');

export interface DatabaseModuleAsyncOptions {
  inject: unknown[];
  useFactory: (...args: never[]) => DatabaseOptions<Record<string, unknown>>;
}

@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DATABASE_HANDLE) private readonly handle: DatabaseHandle<Record<string, unknown>>) {}

  static forRootAsync(options: DatabaseModuleAsyncOptions): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: DATABASE_HANDLE,
          inject: [...options.inject, ReadinessService] as never[],
          useFactory: async (...args: unknown[]) => {
            const readiness = args.pop() as ReadinessService;
            const handle = await openDatabase(options.useFactory(...(args as never[])));
            readiness.register('database', async (): Promise<true> => {
              await handle.ping();
              return true;
            });
            return handle;
          },
        },
        {
          provide: DATABASE,
          inject: [DATABASE_HANDLE],
          useFactory: (handle: DatabaseHandle<Record<string, unknown>>) => handle.db,
        },
      ],
      exports: [DATABASE],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.handle.close();
  }
}
