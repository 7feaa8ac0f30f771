export * from './tessera-client';
export * from './tessera-api-error';
export * from './types';
export { expiresAt } from './jwt-expiry';
