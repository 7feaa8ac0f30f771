import { Module } from '@nestjs/common';

import { SessionListController } from './session-list.controller';
import { SessionPruner } from './session-pruner.service';
import { SessionsCoreModule } from './sessions-core.module';

/** A user's own sessions at `/auth/sessions`, and the hourly pruning of finished ones. */
@Module({
  imports: [SessionsCoreModule],
  controllers: [SessionListController],
  providers: [SessionPruner],
})
export class SessionsModule {}
