import 'reflect-metadata';

import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { CreateServiceOptions } from '@tessera/platform';
import { launchService, platformOptions } from '@tessera/platform';

import { AppModule } from './app.module';
import type { AuthConfig } from './config/auth.config';
import { acceptFormsOnlyOnOAuthRoutes } from './http/form-body';

/**
 * Builds and starts the auth app (HTTP and NATS). Resolves once it listens; with PORT=0 the
 * bound address is `app.getUrl()`.
 */
export function createAuthApp(
  config: AuthConfig,
  overrides: Pick<CreateServiceOptions, 'logger' | 'logDestination'> = {},
): Promise<NestFastifyApplication> {
  const options = { ...platformOptions('auth', config), ...overrides };
  return launchService(AppModule.forRoot(config), options, (app) => {
    acceptFormsOnlyOnOAuthRoutes(app);
    return Promise.resolve();
  });
}
