import { TesseraApiError } from '@tessera/client';

import { describeError, InputError, waitText } from './errors';

const api = (status: number, code: string, detail?: string, extra: TesseraApiError['extra'] = {}) =>
  new TesseraApiError(status, code, detail, extra);

describe('describeError: what the console says about each error a user can cause', () => {
  it.each([
    ['a wrong password', api(401, 'invalid_credentials', 'Invalid email or password.'), 'Wrong email or password.'],
    [
      'a lockout',
      api(429, 'too_many_attempts', 'Locked.', { retryAfter: 8 }),
      'Too many failed sign-in attempts. Try again in 8 seconds.',
    ],
    [
      'a long lockout',
      api(429, 'too_many_attempts', 'Locked.', { retryAfter: 600 }),
      'Too many failed sign-in attempts. Try again in 10 minutes.',
    ],
    [
      'a taken email',
      api(409, 'email_taken', 'That email is registered.'),
      'An account with this email address already exists. Sign in instead.',
    ],
    [
      'a common password',
      api(400, 'password_too_common', 'This password is too common.'),
      'That password is too common or easy to guess. Choose a longer, less predictable one.',
    ],
    [
      'an order without an address',
      api(422, 'no_shipping_address', 'PATCH /profile/me first'),
      'Set a shipping address on your profile before placing an order.',
    ],
    [
      'an ended session',
      api(401, 'signed_out', 'The session has ended; sign in again.'),
      'Your session has ended. Sign in again.',
    ],
    [
      'a conflict the API explains',
      api(409, 'order_not_cancellable', 'The order is cancelled; only a placed order can be cancelled.'),
      'The order is cancelled; only a placed order can be cancelled.',
    ],
    [
      'a service that is down',
      api(503, 'service_unavailable'),
      'The service is unavailable right now. Try again in a moment.',
    ],
    ['a server error', api(500, 'internal_error'), 'Something went wrong on the server. Try again in a moment.'],
    [
      'no answer at all',
      new TypeError('Failed to fetch'),
      'The service could not be reached. Check your connection and try again.',
    ],
  ])('explains %s', (_, error, message) => {
    expect(describeError(error)).toEqual({ message, fields: {} });
  });

  it('files a mistake caught before sending under its field', () => {
    expect(describeError(new InputError('items.0.unitPriceCents', 'Unit price must be an amount.'))).toEqual({
      message: 'Some fields need attention.',
      fields: { 'items.0.unitPriceCents': ['Unit price must be an amount.'] },
    });
  });

  it('files validation messages under the field they name, the longest path first, the rest under ""', () => {
    const error = api(400, 'validation_failed', 'The request is not valid.', {
      errors: [
        'shippingAddress.country must be an ISO 3166-1 alpha-2 code such as "DE"',
        'items.0.sku must be 1-64 upper-case letters',
        'items must contain at least 1 elements',
        'property role should not exist',
      ],
    });
    expect(describeError(error, ['shippingAddress.country', 'items', 'items.0.sku'])).toEqual({
      message: 'Some fields need attention.',
      fields: {
        'shippingAddress.country': ['shippingAddress.country must be an ISO 3166-1 alpha-2 code such as "DE"'],
        'items.0.sku': ['items.0.sku must be 1-64 upper-case letters'],
        items: ['items must contain at least 1 elements'],
        '': ['property role should not exist'],
      },
    });
  });

  it('says "later" when a 429 carries no Retry-After', () => {
    expect(waitText(undefined)).toBe('later');
    expect(waitText(1)).toBe('in 1 second');
  });
});
