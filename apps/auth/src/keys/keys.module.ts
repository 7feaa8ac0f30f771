import { Logger, Module } from '@nestjs/common';

import { AuthConfig } from '../config/auth.config';
import { JwksController } from './jwks.controller';
import { KEY_ENCRYPTION_KEY, resolveKeyEncryptionKey } from './key-encryption-key';
import { KeyPublisher, NatsKeyPublisher } from './key-publisher';
import { KEY_RETENTION_SECONDS, KeyService } from './key.service';
import { SERVICE_TOKEN_TTL_SECONDS } from '../tokens/token-issuer.service';

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
    {
      // The longest token lifetime, plus a margin for clock skew and in-flight requests.
      provide: KEY_RETENTION_SECONDS,
      inject: [AuthConfig],
      useFactory: (config: AuthConfig) => Math.max(config.ACCESS_TOKEN_TTL_SECONDS, SERVICE_TOKEN_TTL_SECONDS) + 60,
    },
    KeyService,
  ],
  exports: [KeyService],
})
export class KeysModule {}
