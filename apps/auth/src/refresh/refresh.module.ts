import { Module } from '@nestjs/common';

import { TokensModule } from '../tokens/tokens.module';
import { RefreshTokensService } from './refresh-tokens.service';
import { SessionFamiliesService } from './session-families.service';
import { SessionPruner } from './session-pruner.service';

/** Refresh-token families and the sessions they represent; no HTTP here. */
@Module({
  imports: [TokensModule],
  providers: [RefreshTokensService, SessionFamiliesService, SessionPruner],
  exports: [RefreshTokensService, SessionFamiliesService],
})
export class RefreshModule {}
