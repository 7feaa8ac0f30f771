import { Module } from '@nestjs/common';

import { LoginAbuseModule } from '../login-abuse/login-abuse.module';
import { RefreshModule } from '../refresh/refresh.module';
import { UsersModule } from '../users/users.module';
import { PasswordController } from './password.controller';
import { PasswordService } from './password.service';

@Module({
  imports: [UsersModule, RefreshModule, LoginAbuseModule],
  controllers: [PasswordController],
  providers: [PasswordService],
})
export class PasswordModule {}
