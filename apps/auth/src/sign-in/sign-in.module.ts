import { Module } from '@nestjs/common';

import { AbuseModule } from '../abuse/abuse.module';
import { RefreshModule } from '../refresh/refresh.module';
import { UsersModule } from '../accounts/users.module';
import { RefreshCookie } from './refresh-cookie';
import { SessionListController } from '../sessions/session-list.controller';
import { SignInController } from './sign-in.controller';
import { SignInService } from './sign-in.service';

@Module({
  imports: [UsersModule, RefreshModule, AbuseModule],
  controllers: [SignInController, SessionListController],
  providers: [SignInService, RefreshCookie],
})
export class SignInModule {}
