import { Logger } from '@nestjs/common';

/**
 * oidc-provider reports through console.warn (its "attention" notices: the runtime it prefers,
 * a request body parsed before it); here they become one JSON log line each, through the app's
 * logger, like every other line the app writes. Imported before oidc-provider itself.
 */
const logger = new Logger('OpenIdProvider');
const PREFIX = /^oidc-provider (WARNING|NOTICE): /;
const seen = new Set<string>();
const original = console.warn.bind(console);

console.warn = (...args: unknown[]): void => {
  const [first] = args;
  if (typeof first === 'string' && PREFIX.test(first)) {
    const message = first.replace(PREFIX, '');
    if (!seen.has(message)) {
      seen.add(message);
      logger.warn(message);
    }
    return;
  }
  original(...args);
};
