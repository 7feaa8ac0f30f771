import { Module } from '@nestjs/common';

import { AbuseModule } from '../abuse/abuse.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../accounts/users.module';
import { RefreshCookie } from './refresh-cookie';
import { SignInController } from './sign-in.controller';
import { SignInService } from './sign-in.service';

@Module({
  imports: [UsersModule, SessionsModule, AbuseModule],
  controllers: [SignInController],
  providers: [SignInService, RefreshCookie],
})
export class SignInModule {}
