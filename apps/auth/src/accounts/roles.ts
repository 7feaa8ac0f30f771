/** The roles a user account can hold (design, "HTTP API"); every account has `user`. */
export const Role = {
  User: 'user',
  Admin: 'admin',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

export const ROLES: readonly Role[] = [Role.User, Role.Admin];
