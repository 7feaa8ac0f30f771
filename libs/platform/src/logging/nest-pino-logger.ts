import type { LoggerService } from '@nestjs/common';
import type { Level, Logger } from 'pino';

import { currentRequestId } from './request-context';
import { describeError, isDatabaseError } from './safe-error';

const STACK = /\n\s+at /;

/**
 * Nest's LoggerService over the service's pino logger: `new Logger('Orders').warn(...)` and
 * Nest's own messages come out as the same JSON lines as Fastify's, with `context` and, inside
 * a request or NATS message, its `requestId`. An object message (`{ msg, ...fields }`) becomes
 * fields of the line.
 */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) {
      return;
    }
    // Nest passes the context last, and for error() a stack before it.
    const last = params.at(-1);
    const context = typeof last === 'string' && !STACK.test(last) ? last : undefined;
    const rest = context === undefined ? params : params.slice(0, -1);
    const stack = rest.find((p): p is string => typeof p === 'string' && STACK.test(p));
    const fields: Record<string, unknown> = {};
    if (context !== undefined) {
      fields.context = context;
    }
    const requestId = currentRequestId();
    if (requestId !== undefined) {
      fields.requestId = requestId;
    }
    let msg: string | undefined;
    if (message instanceof Error) {
      fields.err = message;
      // A failed query's message holds its parameters: say only what describeError says.
      msg = isDatabaseError(message) ? describeError(message) : message.message;
    } else if (typeof message === 'object' && message !== null) {
      const { msg: text, ...more } = message as Record<string, unknown>;
      Object.assign(fields, more);
      msg = typeof text === 'string' ? text : undefined;
    } else {
      msg = String(message);
    }
    if (stack !== undefined) {
      fields.stack = stack;
    }
    this.logger[level](fields, msg);
  }
}
