export * from './subjects';
export * from './rpc-error';
export * from './messages/shipping-address';
export * from './messages/get-profile.request';
export * from './messages/profile.reply';
export * from './messages/orders-summary.request';
export * from './events/user-registered.event';
export * from './events/order-placed.event';
