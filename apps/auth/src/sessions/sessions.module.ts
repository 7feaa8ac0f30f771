import { Module } from '@nestjs/common';

import { TokensModule } from '../tokens/tokens.module';
import { RefreshTokensService } from './refresh-tokens.service';
import { SessionFamiliesService } from './session-families.service';
import { SessionListController } from './session-list.controller';
import { SessionPruner } from './session-pruner.service';

/** Sessions: the refresh-token families behind them, and a user's own view of them at `/auth/sessions`. */
@Module({
  imports: [TokensModule],
  controllers: [SessionListController],
  providers: [RefreshTokensService, SessionFamiliesService, SessionPruner],
  exports: [RefreshTokensService, SessionFamiliesService],
})
export class SessionsModule {}
