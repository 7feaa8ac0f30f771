import path from 'node:path';

import type { DynamicModule } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { AuthModule, authModuleOptions } from '@tessera/auth';
import { OutboxRelay, serviceCoreModules } from '@tessera/platform';

import { OrdersConfig } from './config/orders.config';
import { schema } from './database/schema';
import { OrdersModule } from './orders/orders.module';

export const SERVICE_NAME = 'orders';

@Module({})
export class AppModule {
  static forRoot(config: OrdersConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...serviceCoreModules(SERVICE_NAME, config, {
          url: config.ORDERS_DATABASE_URL,
          dataDir: config.ORDERS_DATA_DIR,
          migrationsFolder: path.join(__dirname, '..', 'migrations'),
          schema,
        }),
        AuthModule.forRoot(authModuleOptions(SERVICE_NAME, config)),
        OrdersModule,
      ],
      // OutboxRelay publishes orders.order.placed.v1 after each order commits.
      providers: [{ provide: OrdersConfig, useValue: config }, OutboxRelay],
      exports: [OutboxRelay],
      global: true,
    };
  }
}
