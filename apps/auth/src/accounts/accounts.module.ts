import { Module } from '@nestjs/common';

import { AbuseModule } from '../abuse/abuse.module';
import { SessionsCoreModule } from '../sessions/sessions-core.module';
import { AccountsCoreModule } from './accounts-core.module';
import { PasswordController } from './password.controller';
import { PasswordService } from './password.service';
import { UsersController } from './users.controller';

/** Registration at `/auth/register` and the password change at `/auth/password`. */
@Module({
  imports: [AccountsCoreModule, SessionsCoreModule, AbuseModule],
  controllers: [UsersController, PasswordController],
  providers: [PasswordService],
})
export class AccountsModule {}
