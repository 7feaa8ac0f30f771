import { Logger, Module } from '@nestjs/common';

import { AuthConfig } from '../config/auth.config';
import { JwksController } from './jwks.controller';
import { KEY_ENCRYPTION_KEY, resolveKeyEncryptionKey } from './key-encryption-key';
import { KeyPublisher, NatsKeyPublisher } from './key-publisher';
import { KeyService } from './key.service';

@Module({
  controllers: [JwksController],
  providers: [
    {
      provide: KEY_ENCRYPTION_KEY,
      inject: [AuthConfig],
      useFactory: (config: AuthConfig): Buffer => {
        const { kek, warning } = resolveKeyEncryptionKey(config);
        if (warning) {
          new Logger('Keys').warn(warning);
        }
        return kek;
      },
    },
    { provide: KeyPublisher, useClass: NatsKeyPublisher },
    KeyService,
  ],
  exports: [KeyService],
})
export class KeysModule {}
