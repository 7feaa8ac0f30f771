import type { ConnectionOptions } from '@nats-io/transport-node';

/** A NATS user and password (NATS_USER, NATS_PASSWORD). Never logged. */
export interface NatsCredentials {
  user: string;
  pass: string;
}

/** What every NATS connection of one service shares, whichever part of it connects. */
export interface NatsClientOptions {
  /** One or more comma-separated nats:// URLs. */
  servers: string;
  credentials?: NatsCredentials;
  /** Subject prefix of reply inboxes (`_INBOX` when unset). */
  inboxPrefix?: string;
}

/**
 * The connect options of every connection a service opens (the microservice transport, the
 * request/reply client, the JetStream and KV connection), so none of them can forget the
 * credentials or the inbox prefix its NATS user is limited to.
 */
export function natsConnectOptions(options: NatsClientOptions, name: string): ConnectionOptions {
  return {
    servers: options.servers.split(','),
    name,
    maxReconnectAttempts: -1,
    ...(options.credentials ? { user: options.credentials.user, pass: options.credentials.pass } : {}),
    ...(options.inboxPrefix ? { inboxPrefix: options.inboxPrefix } : {}),
  };
}
