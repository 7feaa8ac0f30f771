import type { OnApplicationShutdown } from '@nestjs/common';
import { Injectable, Logger } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';
import { connect } from '@nats-io/transport-node';
import { namespacedBucket, namespacedSubject } from '@tessera/contracts';

import { ReadinessService } from '../health/readiness.service';
import type { NatsClientOptions } from './nats-connect-options';
import { natsConnectOptions } from './nats-connect-options';

export interface NatsConnectionOptions extends NatsClientOptions {
  name: string;
  namespace?: string;
  /** Default timeout of a request/reply call, in ms. */
  requestTimeoutMs?: number;
  /** JetStream replicas of the KV buckets and streams this service creates (1 when unset). */
  replicas?: number;
}

/**
 * The service's own NATS connection for JetStream and KV (the microservice transport keeps its
 * own). Reconnects forever; readiness follows the connection state.
 */
@Injectable()
export class NatsConnectionService implements OnApplicationShutdown {
  private readonly logger = new Logger('Nats');
  private connection?: NatsConnection;
  private connected = false;
  /** When the connection was lost (ms since the epoch); undefined while connected. */
  disconnectedSince?: number;

  constructor(
    readonly options: NatsConnectionOptions,
    readiness: ReadinessService,
  ) {
    readiness.register('nats', () => {
      if (this.connected) {
        return true;
      }
      // Lost after start: local verification goes on from the last known state (degraded).
      return this.disconnectedSince !== undefined
        ? { degraded: `NATS unreachable since ${new Date(this.disconnectedSince).toISOString()}` }
        : 'not connected to NATS';
    });
  }

  async connect(): Promise<NatsConnection> {
    if (this.connection) {
      return this.connection;
    }
    const nc = await connect(natsConnectOptions(this.options, this.options.name));
    this.connection = nc;
    this.connected = true;
    void this.followStatus(nc);
    return nc;
  }

  get nc(): NatsConnection {
    if (!this.connection) {
      throw new Error('NATS is not connected yet');
    }
    return this.connection;
  }

  subject(subject: string): string {
    return namespacedSubject(this.options.namespace, subject);
  }

  bucket(name: string): string {
    return namespacedBucket(this.options.namespace, name);
  }

  /** Replicas for a bucket or stream this service creates (NATS_REPLICAS). */
  get replicas(): number {
    return this.options.replicas ?? 1;
  }

  private async followStatus(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') {
        this.connected = false;
        this.disconnectedSince ??= Date.now();
        this.logger.warn('disconnected from NATS');
      } else if (status.type === 'reconnect') {
        this.connected = true;
        this.disconnectedSince = undefined;
        this.logger.log('reconnected to NATS');
      }
    }
    this.connected = false;
    this.disconnectedSince ??= Date.now();
  }

  async onApplicationShutdown(): Promise<void> {
    const nc = this.connection;
    this.connection = undefined;
    this.connected = false;
    await nc?.drain().catch(() => nc.close());
  }
}
