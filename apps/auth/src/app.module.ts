import path from 'node:path';

import type { DynamicModule } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { AuthModule } from '@tessera/auth';
import { OutboxRelay, serviceCoreModules } from '@tessera/platform';

import { AccountsModule } from './accounts/accounts.module';
import { AdminModule } from './admin/admin.module';
import { AuditModule } from './audit/audit.module';
import { ClientsModule } from './clients/clients.module';
import { AUTH_AUDIENCE, AuthConfig } from './config/auth.config';
import { backfillCanonicalEmails } from './database/canonical-email-backfill';
import * as schema from './database/schema';
import { KeysModule } from './keys/keys.module';
import { MailModule } from './mail/mail.module';
import { OAuthModule } from './oauth/oauth.module';
import { SessionsModule } from './sessions/sessions.module';
import { SignInModule } from './sign-in/sign-in.module';
import { TokensModule } from './tokens/tokens.module';

/**
 * What every auth process stands on, the app and the operator CLI alike: what every service
 * stands on (its NATS connection and its database with migrations applied), and local
 * verification of its own tokens.
 */
export function authCoreModules(config: AuthConfig): DynamicModule[] {
  return [
    ...serviceCoreModules('auth', config, {
      url: config.AUTH_DATABASE_URL,
      dataDir: config.AUTH_DATA_DIR,
      // Next to src/ both in the repository and in dist/ (the build copies it).
      migrationsFolder: path.join(__dirname, '..', 'migrations'),
      schema,
      afterMigrations: async (db) => {
        await backfillCanonicalEmails(db);
      },
    }),
    // Auth verifies its own tokens like any other service would: locally, for audience "auth".
    AuthModule.forRootAsync({
      inject: [AuthConfig],
      useFactory: (c: AuthConfig) => ({
        audience: AUTH_AUDIENCE,
        issuer: c.AUTH_ISSUER,
        ...(c.AUTH_HS256_SECRET !== undefined ? { sharedSecret: c.AUTH_HS256_SECRET } : {}),
      }),
    }),
  ];
}

@Module({})
export class AppModule {
  /** The whole auth app for one validated configuration, injectable everywhere as `AuthConfig`. */
  static forRoot(config: AuthConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        ...authCoreModules(config),
        AuditModule,
        KeysModule,
        TokensModule,
        AccountsModule,
        SignInModule,
        SessionsModule,
        ClientsModule,
        AdminModule,
        OAuthModule,
        MailModule,
      ],
      // OutboxRelay publishes the events the app commits (auth.user.registered.v1, ...).
      providers: [{ provide: AuthConfig, useValue: config }, OutboxRelay],
      exports: [AuthConfig, OutboxRelay],
    };
  }
}
