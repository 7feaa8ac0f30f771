import { Module } from '@nestjs/common';

import { AbuseModule } from '../abuse/abuse.module';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from './users.module';
import { PasswordController } from './password.controller';
import { PasswordService } from './password.service';

@Module({
  imports: [UsersModule, SessionsModule, AbuseModule],
  controllers: [PasswordController],
  providers: [PasswordService],
})
export class PasswordModule {}
