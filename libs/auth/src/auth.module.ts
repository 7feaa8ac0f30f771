import type { DynamicModule } from '@nestjs/common';
import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';

import {
  AUTH_MODULE_OPTIONS,
  type AuthModuleOptions,
  resolveAuthOptions,
  type ResolvedAuthOptions,
} from './auth.options';
import { ServiceCalls } from './client/service-calls';
import { SERVICE_TOKEN_PROVIDER } from './client/service-client.tokens';
import { ServiceTokenProvider } from './client/service-token.provider';
import { AccessTokenGuard } from './guards/access-token.guard';
import { KeyStore } from './keys/key-store';
import { KeySyncService } from './keys/key-sync.service';
import { VerificationMetrics } from './metrics/verification.metrics';
import { JwtStrategy } from './passport/jwt.strategy';
import { RevocationPublisher } from './revocation/revocation.publisher';
import { RevocationStore } from './revocation/revocation.store';
import { RevocationSyncService } from './revocation/revocation-sync.service';
import { TokenVerifier } from './verification/token-verifier';

export interface AuthModuleAsyncOptions {
  inject?: unknown[];
  useFactory: (...args: never[]) => AuthModuleOptions;
}

/**
 * Local token verification for a Tessera service. Registers AccessTokenGuard globally, so
 * every HTTP route and NATS handler needs a valid token unless marked `@Public()`.
 * Needs PlatformModule (the NATS connection that watches the key bucket).
 */
@Global()
@Module({})
export class AuthModule {
  static forRoot(options: AuthModuleOptions): DynamicModule {
    return AuthModule.forRootAsync({ useFactory: () => options });
  }

  static forRootAsync(options: AuthModuleAsyncOptions): DynamicModule {
    return {
      module: AuthModule,
      providers: [
        {
          provide: AUTH_MODULE_OPTIONS,
          inject: (options.inject ?? []) as never[],
          useFactory: (...args: never[]) => resolveAuthOptions(options.useFactory(...args)),
        },
        KeyStore,
        KeySyncService,
        RevocationStore,
        RevocationSyncService,
        RevocationPublisher,
        TokenVerifier,
        VerificationMetrics,
        JwtStrategy,
        {
          provide: SERVICE_TOKEN_PROVIDER,
          inject: [AUTH_MODULE_OPTIONS],
          useFactory: (o: ResolvedAuthOptions) =>
            o.serviceClient ? new ServiceTokenProvider(o.serviceClient) : undefined,
        },
        ServiceCalls,
        { provide: APP_GUARD, useClass: AccessTokenGuard },
      ],
      exports: [TokenVerifier, KeyStore, RevocationStore, RevocationPublisher, JwtStrategy, ServiceCalls],
    };
  }
}
