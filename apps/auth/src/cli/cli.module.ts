import type { DynamicModule } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { OutboxRelay } from '@tessera/platform';

import { AccountsCoreModule } from '../accounts/accounts-core.module';
import { AdminCoreModule } from '../admin/admin-core.module';
import { authCoreModules } from '../app.module';
import { AuditModule } from '../audit/audit.module';
import { ClientsModule } from '../clients/clients.module';
import { AuthConfig } from '../config/auth.config';
import { KeysCoreModule } from '../keys/keys-core.module';
import { ServiceClientsModule } from '../oauth/service-clients.module';
import { SessionsCoreModule } from '../sessions/sessions-core.module';

/**
 * What the operator CLI needs of auth, and nothing that acts on its own: the same database,
 * NATS, key set, revocations and outbox as the app, and the same service-only core modules its
 * routes stand on, with no HTTP, no first-admin bootstrap, no pruners, and no generated
 * development secrets printed.
 */
@Module({})
export class CliModule {
  static forRoot(config: AuthConfig): DynamicModule {
    return {
      module: CliModule,
      global: true,
      imports: [
        ...authCoreModules(config),
        AuditModule,
        KeysCoreModule,
        AccountsCoreModule,
        SessionsCoreModule,
        AdminCoreModule,
        ClientsModule,
        ServiceClientsModule.forRoot(),
      ],
      // The root of the process, as in AppModule: its configuration and its outbox.
      providers: [{ provide: AuthConfig, useValue: config }, OutboxRelay],
      exports: [AuthConfig, OutboxRelay],
    };
  }
}
