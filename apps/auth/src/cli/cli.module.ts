import type { DynamicModule } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { OutboxRelay } from '@tessera/platform';

import { AdminUsersService } from '../admin/admin-users.service';
import { authCoreModules } from '../app.module';
import { AuditModule } from '../audit/audit.module';
import { AuthConfig } from '../config/auth.config';
import { KeysModule } from '../keys/keys.module';
import { SessionFamiliesService } from '../sessions/session-families.service';
import { UsersModule } from '../accounts/users.module';

/**
 * What the operator CLI needs of auth, and nothing that acts on its own: the same database,
 * NATS, key set, revocations and outbox as the app, with no HTTP, no first-admin bootstrap and
 * no pruners or generated development secrets.
 */
@Module({})
export class CliModule {
  static forRoot(config: AuthConfig): DynamicModule {
    return {
      module: CliModule,
      global: true,
      imports: [...authCoreModules(config), AuditModule, KeysModule, UsersModule],
      providers: [{ provide: AuthConfig, useValue: config }, OutboxRelay, SessionFamiliesService, AdminUsersService],
      exports: [AuthConfig, OutboxRelay],
    };
  }
}
