import { ConfigValidationError } from '../config/load-config';

/**
 * The entry point of every service's main.ts: start, and on failure say what is wrong in one
 * readable block (config problems listed, no stack trace for expected failures) and exit 1.
 */
export function runMain(start: () => Promise<unknown>): void {
  // Promise.resolve().then: a synchronous throw in `start` (config validation) lands in catch too.
  Promise.resolve()
    .then(start)
    .catch((error: unknown) => {
      if (error instanceof ConfigValidationError) {
        process.stderr.write(`${error.message}\n`);
      } else if (error instanceof Error && error.name === 'AuthorizationError') {
        process.stderr.write(
          `NATS refused this service's connection (${error.message}).\n` +
            'Check NATS_USER and NATS_PASSWORD: the server wants the user and password it was given for this service.\n',
        );
      } else if (isConnectionRefused(error)) {
        process.stderr.write(
          `Could not reach a dependency (${(error as Error).message}).\n` +
            'Is NATS running at NATS_URL (default nats://127.0.0.1:4222)? `npm start` starts one for you.\n',
        );
      } else {
        process.stderr.write(
          `Failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
        );
      }
      process.exit(1);
    });
}

function isConnectionRefused(error: unknown): boolean {
  const code: unknown = error instanceof Error ? Reflect.get(error, 'code') : undefined;
  return code === 'ECONNREFUSED' || (error instanceof Error && /CONNECTION_REFUSED|ECONNREFUSED/.test(error.message));
}
