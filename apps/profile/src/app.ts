import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createService, platformOptions, startService } from '@tessera/platform';

import { AppModule, SERVICE_NAME } from './app.module';
import type { ProfileConfig } from './config/profile.config';

/** Builds and starts the profile service (HTTP and NATS). Used by main.ts and the e2e tests. */
export async function createProfileApp(config: ProfileConfig): Promise<NestFastifyApplication> {
  const options = platformOptions(SERVICE_NAME, config);
  const app = await createService(AppModule.forRoot(config), options);
  await startService(app, options);
  return app;
}
