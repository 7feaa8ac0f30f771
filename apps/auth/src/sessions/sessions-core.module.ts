import { Module } from '@nestjs/common';

import { RevocationsModule } from '../revocations/revocations.module';
import { TokensModule } from '../tokens/tokens.module';
import { RefreshTokensService } from './refresh-tokens.service';
import { SessionFamiliesService } from './session-families.service';

/**
 * Refresh-token families and the sessions they represent, for the app and the operator CLI
 * alike. No routes and no pruner here (sessions.module.ts adds them).
 */
@Module({
  imports: [TokensModule, RevocationsModule],
  providers: [RefreshTokensService, SessionFamiliesService],
  exports: [RefreshTokensService, SessionFamiliesService, RevocationsModule],
})
export class SessionsCoreModule {}
