import { Module } from '@nestjs/common';

import { AbuseModule } from '../abuse/abuse.module';
import { RefreshModule } from '../refresh/refresh.module';
import { UsersModule } from './users.module';
import { PasswordController } from './password.controller';
import { PasswordService } from './password.service';

@Module({
  imports: [UsersModule, RefreshModule, AbuseModule],
  controllers: [PasswordController],
  providers: [PasswordService],
})
export class PasswordModule {}
