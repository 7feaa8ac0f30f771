import { TesseraError } from '@tessera/platform';

export enum OrdersErrorCode {
  NoShippingAddress = 'no_shipping_address',
  AccessDenied = 'orders_access_denied',
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
