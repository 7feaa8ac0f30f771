import { Module } from '@nestjs/common';

import { AccountsCoreModule } from '../accounts/accounts-core.module';
import { ClientsModule } from '../clients/clients.module';
import { KeysCoreModule } from '../keys/keys-core.module';
import { AdminClientsController } from './admin-clients.controller';
import { AdminCoreModule } from './admin-core.module';
import { AdminKeysController } from './admin-keys.controller';
import { AdminUsersController } from './admin-users.controller';
import { ADMIN_NOTICE_OUTPUT, FirstAdminService } from './first-admin.service';

/**
 * The first admin at start, account administration at `/admin/users`, key rotation at
 * `/admin/keys`, OAuth/OpenID Connect client registration at `/admin/clients`.
 */
@Module({
  imports: [AdminCoreModule, AccountsCoreModule, KeysCoreModule, ClientsModule],
  controllers: [AdminUsersController, AdminKeysController, AdminClientsController],
  providers: [
    FirstAdminService,
    { provide: ADMIN_NOTICE_OUTPUT, useValue: (text: string) => void process.stdout.write(text) },
  ],
})
export class AdminModule {}
