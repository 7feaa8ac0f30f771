import path from 'node:path';

import type { DynamicModule } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { AuthModule, authModuleOptions } from '@tessera/auth';
import { serviceCoreModules } from '@tessera/platform';

import { ProfileConfig } from './config/profile.config';
import { schema } from './database/schema';
import { ProfileModule } from './profile/profile.module';

export const SERVICE_NAME = 'profile';

@Module({})
export class AppModule {
  static forRoot(config: ProfileConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...serviceCoreModules(SERVICE_NAME, config, {
          url: config.PROFILE_DATABASE_URL,
          dataDir: config.PROFILE_DATA_DIR,
          migrationsFolder: path.join(__dirname, '..', 'migrations'),
          schema,
        }),
        AuthModule.forRoot(authModuleOptions(SERVICE_NAME, config)),
        ProfileModule,
      ],
      providers: [{ provide: ProfileConfig, useValue: config }],
    };
  }
}
