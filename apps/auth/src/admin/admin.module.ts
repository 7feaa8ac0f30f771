import { Module } from '@nestjs/common';

import { RefreshModule } from '../refresh/refresh.module';
import { UsersModule } from '../users/users.module';
import { AdminUsersController } from './admin-users.controller';
import { AdminUsersService } from './admin-users.service';
import { ADMIN_NOTICE_OUTPUT, FirstAdminService } from './first-admin.service';

/** The first admin at start, and account administration at `/admin/users`. */
@Module({
  imports: [UsersModule, RefreshModule],
  controllers: [AdminUsersController],
  providers: [
    AdminUsersService,
    FirstAdminService,
    { provide: ADMIN_NOTICE_OUTPUT, useValue: (text: string) => void process.stdout.write(text) },
  ],
})
export class AdminModule {}
