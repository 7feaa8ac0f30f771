import type { LogLevel } from '@nestjs/common';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

import { NAMESPACE_PATTERN } from '@tessera/contracts';

export const NODE_ENVS = ['development', 'test', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

/** Settings every Tessera service reads. Each app's config class extends this one. */
export class ServiceConfig {
  @IsIn(NODE_ENVS)
  NODE_ENV: NodeEnv = 'development';

  @IsString()
  HOST = '127.0.0.1';

  @IsInt()
  @Min(0)
  @Max(65535)
  PORT!: number;

  @Matches(/^(nats|tls|ws|wss):\/\/[^\s,]+(,(nats|tls|ws|wss):\/\/[^\s,]+)*$/, {
    message: 'NATS_URL must be one or more comma-separated nats:// URLs',
  })
  NATS_URL = 'nats://127.0.0.1:4222';

  @IsOptional()
  @Matches(NAMESPACE_PATTERN, {
    message: 'NATS_NAMESPACE may hold only letters, digits, "_" and "-" (at most 32)',
  })
  NATS_NAMESPACE?: string;

  /** How long a NATS request waits for its reply before the caller gets a 504. */
  @IsInt()
  @Min(100)
  @Max(60_000)
  NATS_REQUEST_TIMEOUT_MS: number = 2000;

  get production(): boolean {
    return this.NODE_ENV === 'production';
  }
}

/** The part of a service's settings the platform itself needs (bootstrap, NATS, database). */
export interface PlatformOptions {
  serviceName: string;
  host: string;
  port: number;
  natsUrl: string;
  natsNamespace?: string;
  jsonLogs?: boolean;
  natsRequestTimeoutMs?: number;
  /** Nest log levels to print; tests keep only warnings and errors. */
  logLevels?: LogLevel[];
}

export function platformOptions(serviceName: string, config: ServiceConfig): PlatformOptions {
  return {
    serviceName,
    host: config.HOST,
    port: config.PORT,
    natsUrl: config.NATS_URL,
    natsNamespace: config.NATS_NAMESPACE,
    natsRequestTimeoutMs: config.NATS_REQUEST_TIMEOUT_MS,
    jsonLogs: config.production,
    logLevels: config.NODE_ENV === 'test' ? ['error', 'warn'] : undefined,
  };
}
