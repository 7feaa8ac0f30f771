import type { DynamicModule } from '@nestjs/common';
import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';

import type { PlatformOptions } from './config/service.config';
import { EventBus } from './events/event-bus.service';
import { HealthController } from './health/health.controller';
import { ReadinessService } from './health/readiness.service';
import { Metrics } from './metrics/metrics';
import { NatsMetrics } from './metrics/nats-metrics';
import { NatsConnectionService } from './nats/nats-connection.service';
import { NatsRpcClient } from './nats/nats-rpc.client';

export const PLATFORM_OPTIONS = Symbol('PLATFORM_OPTIONS');

/**
 * What every service gets: health endpoints, readiness registry, its NATS connection (KV,
 * JetStream) and a request/reply client, all namespaced by NATS_NAMESPACE, and the metrics
 * registry of this service (served at /metrics by createService).
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    const natsOptions = {
      servers: options.natsUrl,
      credentials: options.natsCredentials,
      inboxPrefix: options.natsInboxPrefix,
      name: options.serviceName,
      namespace: options.natsNamespace,
      requestTimeoutMs: options.natsRequestTimeoutMs,
      replicas: options.natsReplicas,
    };
    return {
      module: PlatformModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [
        { provide: PLATFORM_OPTIONS, useValue: options },
        ReadinessService,
        {
          provide: NatsConnectionService,
          inject: [ReadinessService],
          useFactory: async (readiness: ReadinessService) => {
            const service = new NatsConnectionService(natsOptions, readiness);
            await service.connect();
            return service;
          },
        },
        { provide: Metrics, useFactory: () => new Metrics(options.serviceName) },
        { provide: NatsMetrics, inject: [Metrics], useFactory: (metrics: Metrics) => new NatsMetrics(metrics) },
        {
          provide: NatsRpcClient,
          inject: [NatsMetrics],
          useFactory: (metrics: NatsMetrics) => new NatsRpcClient(natsOptions, metrics),
        },
        EventBus,
      ],
      exports: [
        PLATFORM_OPTIONS,
        ReadinessService,
        NatsConnectionService,
        NatsRpcClient,
        EventBus,
        Metrics,
        NatsMetrics,
      ],
    };
  }
}
