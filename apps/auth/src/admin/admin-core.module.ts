import { Module } from '@nestjs/common';

import { SessionsCoreModule } from '../sessions/sessions-core.module';
import { AdminUsersService } from './admin-users.service';

/** Account administration, for the app's `/admin/users` and the operator CLI alike; no routes here. */
@Module({
  imports: [SessionsCoreModule],
  providers: [AdminUsersService],
  exports: [AdminUsersService],
})
export class AdminCoreModule {}
