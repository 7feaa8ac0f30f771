import { Module } from '@nestjs/common';

import { LoginAbuseModule } from '../login-abuse/login-abuse.module';
import { RefreshModule } from '../refresh/refresh.module';
import { UsersModule } from '../users/users.module';
import { RefreshCookie } from './refresh-cookie';
import { SessionListController } from './session-list.controller';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';

@Module({
  imports: [UsersModule, RefreshModule, LoginAbuseModule],
  controllers: [SessionsController, SessionListController],
  providers: [SessionsService, RefreshCookie],
})
export class SessionsModule {}
