import type { ShippingAddress } from './shipping-address';

/** `profile.get.v1` reply. */
export interface ProfileReply {
  userId: string;
  displayName: string | null;
  shippingAddress: ShippingAddress | null;
}
