import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { launchService, platformOptions } from '@tessera/platform';

import { AppModule, SERVICE_NAME } from './app.module';
import type { ProfileConfig } from './config/profile.config';

/** Builds and starts the profile service (HTTP and NATS). Used by main.ts and the e2e tests. */
export function createProfileApp(config: ProfileConfig): Promise<NestFastifyApplication> {
  return launchService(AppModule.forRoot(config), platformOptions(SERVICE_NAME, config));
}
