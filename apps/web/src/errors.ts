import { TesseraApiError } from '@tessera/client';

/** A mistake the console catches before sending anything (e.g. a price that is not a number). */
export class InputError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'InputError';
  }
}

/** What the console tells the user about a failed request. */
export interface ErrorView {
  /** One sentence, shown above the form. */
  message: string;
  /** Validation messages of the API, keyed by the form field they belong to ('' for the rest). */
  fields: Record<string, string[]>;
}

/**
 * Turns any failure of a request into words a user can act on. `fieldPaths` are the API's
 * property paths a form edits (`email`, `shippingAddress.country`, `items.0.sku`): a validation
 * message that starts with one is shown next to that field.
 */
export function describeError(error: unknown, fieldPaths: readonly string[] = []): ErrorView {
  if (error instanceof InputError) {
    return { message: 'Some fields need attention.', fields: { [error.path]: [error.message] } };
  }
  if (!(error instanceof TesseraApiError)) {
    // fetch rejects with a TypeError when the service cannot be reached at all (or CORS refused it).
    return {
      message: 'The service could not be reached. Check your connection and try again.',
      fields: {},
    };
  }
  if (error.signedOut) {
    return { message: 'Your session has ended. Sign in again.', fields: {} };
  }
  if (error.errors?.length) {
    return { message: 'Some fields need attention.', fields: byField(error.errors, fieldPaths) };
  }
  return { message: messageFor(error), fields: {} };
}

function messageFor(error: TesseraApiError): string {
  switch (error.code) {
    case 'invalid_credentials':
      return 'Wrong email or password.';
    case 'too_many_attempts':
      return `Too many failed sign-in attempts. Try again ${waitText(error.retryAfter)}.`;
    case 'email_taken':
      return 'An account with this email address already exists. Sign in instead.';
    case 'password_too_common':
      return 'That password is too common or easy to guess. Choose a longer, less predictable one.';
    case 'no_shipping_address':
      return 'Set a shipping address on your profile before placing an order.';
    case 'order_not_found':
      return 'That order no longer exists.';
  }
  switch (error.status) {
    case 400:
    case 422:
      return error.detail ?? 'The request is not valid.';
    case 401:
      return 'You are not signed in. Sign in again.';
    case 403:
      return 'You are not allowed to do that.';
    case 404:
      return 'Not found: it may have been removed.';
    case 409:
      return error.detail ?? 'That conflicts with the current state; reload and try again.';
    case 413:
      return 'That is too much data for one request.';
    case 429:
      return `Too many requests. Try again ${waitText(error.retryAfter)}.`;
    case 502:
    case 503:
    case 504:
      return 'The service is unavailable right now. Try again in a moment.';
  }
  return error.status >= 500
    ? 'Something went wrong on the server. Try again in a moment.'
    : (error.detail ?? `The request failed (${error.status}).`);
}

/** "in 8 seconds", "in 3 minutes", or "later" when the server did not say. */
export function waitText(seconds: number | undefined): string {
  if (seconds === undefined) {
    return 'later';
  }
  if (seconds < 120) {
    return `in ${seconds} second${seconds === 1 ? '' : 's'}`;
  }
  return `in ${Math.ceil(seconds / 60)} minutes`;
}

/** The longest matching path wins, so `items.0.sku` is not filed under `items`. */
function byField(messages: readonly string[], fieldPaths: readonly string[]): Record<string, string[]> {
  const paths = [...fieldPaths].sort((a, b) => b.length - a.length);
  const fields: Record<string, string[]> = {};
  for (const message of messages) {
    const path = paths.find((p) => message.startsWith(`${p} `) || message.startsWith(`${p}.`)) ?? '';
    (fields[path] ??= []).push(message);
  }
  return fields;
}
