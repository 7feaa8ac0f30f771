import { TesseraError } from '@tessera/platform';

export enum OrdersErrorCode {
  NoShippingAddress = 'no_shipping_address',
  AccessDenied = 'orders_access_denied',
  NotFound = 'order_not_found',
  NotCancellable = 'order_not_cancellable',
}

/** The caller's profile has no shipping address, so nothing can be shipped. */
export class NoShippingAddressError extends TesseraError {
  constructor() {
    super(
      OrdersErrorCode.NoShippingAddress,
      422,
      'Your profile has no shipping address; set one with PATCH /profile/me before ordering.',
    );
  }
}

export class OrdersAccessDeniedError extends TesseraError {
  constructor() {
    super(OrdersErrorCode.AccessDenied, 403, 'This token may not read those orders.');
  }
}

/**
 * No such order, or one the caller may not see: the same answer for both, so a user cannot
 * probe which order ids exist.
 */
export class OrderNotFoundError extends TesseraError {
  constructor() {
    super(OrdersErrorCode.NotFound, 404, 'No such order.');
  }
}

export class OrderNotCancellableError extends TesseraError {
  constructor(status: string) {
    super(OrdersErrorCode.NotCancellable, 409, `The order is ${status}; only a placed order can be cancelled.`);
  }
}
