import type { DynamicModule } from '@nestjs/common';
import { Global, Logger, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, ModulesContainer } from '@nestjs/core';
import { Metrics, NatsConnectionService, NatsRpcClient, ReadinessService } from '@tessera/platform';

import { AUTH_NATS, AUTH_READINESS, authNats, authReadiness } from './auth-nats';
import {
  AUTH_MODULE_OPTIONS,
  type AuthModuleOptions,
  resolveAuthOptions,
  type ResolvedAuthOptions,
} from './auth.options';
import { ServiceCalls } from './client/service-calls';
import { SERVICE_TOKEN_PROVIDER } from './client/service-client.tokens';
import { ServiceTokenProvider } from './client/service-token.provider';
import { TokenExchanger } from './client/token-exchanger';
import { AccessTokenGuard } from './guards/access-token.guard';
import { AuthErrorFilter } from './guards/auth-error.filter';
import { guardMessageHandlers } from './guards/rpc-handler-guard';
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

/** Set once the message handlers carry the guard: how many there were. */
const MESSAGE_HANDLERS_GUARDED = Symbol('MESSAGE_HANDLERS_GUARDED');

/**
 * Local token verification for any NestJS service, on Fastify or Express. Registers
 * AccessTokenGuard globally, so every HTTP route needs a valid token unless marked `@Public()`,
 * and puts it on every NATS message and event handler too (with or without
 * `inheritAppConfig`). Under PlatformModule it uses the platform's NATS connection, readiness
 * and metrics; without it, `natsUrl` gives it a connection of its own, or `jwksUrl` with
 * `revocation: 'off'` a JWKS-only verifier.
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
        {
          provide: AUTH_READINESS,
          inject: [{ token: ReadinessService, optional: true }],
          useFactory: (platform?: ReadinessService) => authReadiness(platform),
        },
        {
          provide: AUTH_NATS,
          inject: [AUTH_MODULE_OPTIONS, AUTH_READINESS, { token: NatsConnectionService, optional: true }],
          useFactory: (o: ResolvedAuthOptions, readiness: ReadinessService, platform?: NatsConnectionService) =>
            authNats(o, readiness, platform),
        },
        KeyStore,
        KeySyncService,
        RevocationStore,
        RevocationSyncService,
        RevocationPublisher,
        TokenVerifier,
        {
          provide: VerificationMetrics,
          inject: [{ token: Metrics, optional: true }, KeyStore, RevocationStore],
          useFactory: (metrics: Metrics | undefined, keys: KeyStore, revocations: RevocationStore) =>
            metrics ? new VerificationMetrics(metrics, keys, revocations) : undefined,
        },
        JwtStrategy,
        {
          provide: SERVICE_TOKEN_PROVIDER,
          inject: [AUTH_MODULE_OPTIONS],
          useFactory: (o: ResolvedAuthOptions) =>
            o.serviceClient ? new ServiceTokenProvider(o.serviceClient) : undefined,
        },
        {
          provide: ServiceCalls,
          inject: [
            AUTH_MODULE_OPTIONS,
            { token: NatsRpcClient, optional: true },
            { token: SERVICE_TOKEN_PROVIDER, optional: true },
          ],
          useFactory: (o: ResolvedAuthOptions, rpc?: NatsRpcClient, tokens?: ServiceTokenProvider) =>
            rpc
              ? new ServiceCalls(rpc, tokens, o.serviceClient ? new TokenExchanger(o.serviceClient) : undefined)
              : undefined,
        },
        AccessTokenGuard,
        { provide: APP_GUARD, useExisting: AccessTokenGuard },
        AuthErrorFilter,
        { provide: APP_FILTER, useExisting: AuthErrorFilter },
        {
          provide: MESSAGE_HANDLERS_GUARDED,
          inject: [ModulesContainer, AccessTokenGuard, AuthErrorFilter],
          useFactory: (modules: ModulesContainer, guard: AccessTokenGuard, filter: AuthErrorFilter) => {
            const guarded = guardMessageHandlers(modules, guard, filter);
            new Logger('Auth').debug(`guarding ${guarded} message handler(s)`);
            return guarded;
          },
        },
      ],
      exports: [
        TokenVerifier,
        KeyStore,
        RevocationStore,
        RevocationPublisher,
        JwtStrategy,
        ServiceCalls,
        AUTH_READINESS,
      ],
    };
  }
}
