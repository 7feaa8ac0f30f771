import type { DestinationStream, Logger } from 'pino';
import pino from 'pino';

import { serializeError } from './safe-error';

/** pino's levels, most to least severe; LOG_LEVEL takes one of them. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

const SECRET_FIELDS = [
  'authorization',
  'cookie',
  'password',
  'currentPassword',
  'newPassword',
  'passwordHash',
  'token',
  'access_token',
  'refresh_token',
  'client_secret',
  'secret',
  'email',
  'shippingAddress',
];

/**
 * What pino replaces with "[redacted]" wherever it appears in a log object, at the top level
 * or one level down (`headers.authorization`, `body.password`). A second line of defence:
 * request and message bodies are never logged, and request lines name the route, not the URL.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers["set-cookie"]',
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
];

export interface ServiceLoggerOptions {
  /** The service's name, on every line as `service`. */
  service: string;
  level: LogLevelName;
  /** Where the lines go; stdout by default (tests pass a stream of their own). */
  destination?: DestinationStream;
}

/**
 * The service's one pino logger: JSON lines on stdout with an ISO time, the level by name and
 * the service, secrets redacted, and an `err` that is a failed database query reduced to its
 * SQLSTATE, constraint and table (serializeError): never the query's parameters. Fastify logs through it and Nest's Logger is routed into it
 * (NestPinoLogger), so everything a process says comes out in one format.
 */
export function createServiceLogger(options: ServiceLoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: serializeError },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    options.destination,
  );
}
