import { Module } from '@nestjs/common';

import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { SessionsController } from './sessions.controller';
import { SessionsService } from './sessions.service';

@Module({
  imports: [UsersModule, TokensModule],
  controllers: [SessionsController],
  providers: [SessionsService],
})
export class SessionsModule {}
