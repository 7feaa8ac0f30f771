import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createService, platformOptions, startService } from '@tessera/platform';

import { AppModule, SERVICE_NAME } from './app.module';
import type { OrdersConfig } from './config/orders.config';

/** Builds and starts the orders service (HTTP and NATS). Used by main.ts and the e2e tests. */
export async function createOrdersApp(config: OrdersConfig): Promise<NestFastifyApplication> {
  const options = platformOptions(SERVICE_NAME, config);
  const app = await createService(AppModule.forRoot(config), options);
  await startService(app, options);
  return app;
}
