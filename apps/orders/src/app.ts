import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { launchService, platformOptions } from '@tessera/platform';

import { AppModule, SERVICE_NAME } from './app.module';
import type { OrdersConfig } from './config/orders.config';

/** Builds and starts the orders service (HTTP and NATS). Used by main.ts and the e2e tests. */
export function createOrdersApp(config: OrdersConfig): Promise<NestFastifyApplication> {
  return launchService(AppModule.forRoot(config), platformOptions(SERVICE_NAME, config));
}
