/**
 * The role and scope names that tokens carry (`roles` and `scope` claims) and that services
 * check: one spelling, imported by the issuer and by every verifier.
 */

/** The roles a user account can hold; every account has `user`. Service tokens hold none. */
export const Role = {
  User: 'user',
  Admin: 'admin',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

export const ROLES: readonly Role[] = [Role.User, Role.Admin];

/**
 * The scopes services check, `<service>:<permission>`: the part before `:` is the audience
 * the token is issued for. A service client is granted scopes by auth's SERVICE_CLIENTS.
 */
export const Scope = {
  /** Read any user's orders summary (profile asks orders for it). */
  OrdersRead: 'orders:read',
  /** Read any user's profile (orders asks profile for shipping addresses). */
  ProfileRead: 'profile:read',
} as const;
export type Scope = (typeof Scope)[keyof typeof Scope];

export const SCOPES: readonly Scope[] = [Scope.OrdersRead, Scope.ProfileRead];
