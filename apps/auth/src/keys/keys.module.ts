import { Module } from '@nestjs/common';

import { JwksController } from './jwks.controller';
import { KeysCoreModule } from './keys-core.module';

/** The public key set at `/.well-known/jwks.json`. */
@Module({
  imports: [KeysCoreModule],
  controllers: [JwksController],
})
export class KeysModule {}
