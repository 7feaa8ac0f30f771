import { Module } from '@nestjs/common';

import { AbuseModule } from '../abuse/abuse.module';
import { AccountsCoreModule } from '../accounts/accounts-core.module';
import { SessionsCoreModule } from '../sessions/sessions-core.module';
import { DeviceCookie } from './device-cookie';
import { RefreshCookie } from './refresh-cookie';
import { SignInController } from './sign-in.controller';
import { SignInService } from './sign-in.service';

@Module({
  imports: [AccountsCoreModule, SessionsCoreModule, AbuseModule],
  controllers: [SignInController],
  providers: [SignInService, RefreshCookie, DeviceCookie],
  exports: [SignInService],
})
export class SignInModule {}
