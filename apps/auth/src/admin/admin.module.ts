import { Module } from '@nestjs/common';

import { KeysModule } from '../keys/keys.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../accounts/users.module';
import { AdminKeysController } from './admin-keys.controller';
import { AdminUsersController } from './admin-users.controller';
import { AdminUsersService } from './admin-users.service';
import { ADMIN_NOTICE_OUTPUT, FirstAdminService } from './first-admin.service';

/** The first admin at start, account administration at `/admin/users`, key rotation at `/admin/keys`. */
@Module({
  imports: [UsersModule, SessionsModule, KeysModule],
  controllers: [AdminUsersController, AdminKeysController],
  providers: [
    AdminUsersService,
    FirstAdminService,
    { provide: ADMIN_NOTICE_OUTPUT, useValue: (text: string) => void process.stdout.write(text) },
  ],
})
export class AdminModule {}
