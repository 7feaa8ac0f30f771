import 'reflect-metadata';

import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { CreateServiceOptions } from '@tessera/platform';
import { launchService, platformOptions } from '@tessera/platform';

import { AppModule } from './app.module';
import type { AuthConfig } from './config/auth.config';

/**
 * Builds and starts the auth app (HTTP and NATS). Resolves once it listens; with PORT=0 the
 * bound address is `app.getUrl()`.
 */
export function createAuthApp(
  config: AuthConfig,
  overrides: Pick<CreateServiceOptions, 'logger' | 'logDestination'> = {},
): Promise<NestFastifyApplication> {
  // Only /oauth/* takes forms: RFC 6749 §4.1.3 and RFC 7009 §2.1 require them there.
  const options = { ...platformOptions('auth', config), formRoutePrefix: '/oauth/', ...overrides };
  return launchService(AppModule.forRoot(config), options);
}
