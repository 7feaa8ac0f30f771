import { Module } from '@nestjs/common';

import { KeysModule } from '../keys/keys.module';
import { TokenIssuer } from './token-issuer.service';

@Module({
  imports: [KeysModule],
  providers: [TokenIssuer],
  exports: [TokenIssuer],
})
export class TokensModule {}
