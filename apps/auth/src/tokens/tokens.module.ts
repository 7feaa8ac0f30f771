import { Module } from '@nestjs/common';

import { KeysCoreModule } from '../keys/keys-core.module';
import { TokenIssuer } from './token-issuer.service';

/** Access-token signing; no routes here. */
@Module({
  imports: [KeysCoreModule],
  providers: [TokenIssuer],
  exports: [TokenIssuer],
})
export class TokensModule {}
