import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** The header that carries a request's correlation id, over HTTP and NATS alike. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * A request id a caller may choose: short, and only characters that cannot break a log line,
 * a header or a query in a log store. Anything else is replaced, never trimmed or escaped.
 */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** What is known about the request being served, for whatever runs on its behalf. */
export interface RequestContext {
  readonly requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** `given` when it is an acceptable request id, else a new one. */
export function acceptRequestId(given: unknown): string {
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Runs `fn` as part of the request `context`: logs and outgoing NATS requests carry its id. */
export function runInRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The id of the request being served here, if any (HTTP request or NATS message). */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}
