import { Logger, Module } from '@nestjs/common';

import { AuthConfig } from '../config/auth.config';
import { KEY_ENCRYPTION_KEY, resolveKeyEncryptionKey } from './key-encryption-key';
import { KeyPublisher, NatsKeyPublisher } from './key-publisher';
import type { SigningPolicy } from './key.service';
import { KEY_RETENTION_SECONDS, KeyService, SIGNING_POLICY } from './key.service';

/**
 * The signing key set and its NATS mirror: what signs tokens, for the app and the operator CLI
 * alike. No routes here (keys.module.ts adds the JWKS).
 */
@Module({
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
      provide: KEY_RETENTION_SECONDS,
      inject: [AuthConfig],
      useFactory: (config: AuthConfig) => config.keyRetentionSeconds,
    },
    {
      provide: SIGNING_POLICY,
      inject: [AuthConfig],
      useFactory: (config: AuthConfig): SigningPolicy => ({
        algorithm: config.AUTH_SIGNING_ALG,
        rotateAtStart: config.rotateToConfiguredAlgorithmAtStart,
        ...(config.AUTH_HS256_SECRET !== undefined ? { sharedSecret: config.AUTH_HS256_SECRET } : {}),
      }),
    },
    KeyService,
  ],
  exports: [KeyService, KEY_ENCRYPTION_KEY],
})
export class KeysCoreModule {}
