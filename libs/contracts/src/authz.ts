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
 * The scopes tokens carry, `<service>:<permission>`: the part before `:` names the service.
 * A service client is granted scopes by auth's SERVICE_CLIENTS; a user by their roles
 * (scopesForRoles). A scope says what kind of access; whose data is the owner's rule: a user
 * reaches only their own, and only a service's own token (isServicePrincipal in @tessera/auth)
 * reaches any user's with a `:read` scope (SECURITY.md, "Scopes").
 */
export const Scope = {
  /** Read orders: a user their own; a service (profile) any user's summary. */
  OrdersRead: 'orders:read',
  /** Place and cancel one's own orders. */
  OrdersWrite: 'orders:write',
  /** Read a profile: a user their own; a service (orders) any user's shipping address. */
  ProfileRead: 'profile:read',
  /** Change one's own profile. */
  ProfileWrite: 'profile:write',
} as const;
export type Scope = (typeof Scope)[keyof typeof Scope];

export const SCOPES: readonly Scope[] = [Scope.OrdersRead, Scope.OrdersWrite, Scope.ProfileRead, Scope.ProfileWrite];

/**
 * The OpenID Connect scopes (Core §5.4, §11) a relying party may be granted beside the services'
 * scopes: they name claims about the user (userinfo, the ID token), not access to a service.
 */
export const OPENID_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

const ALL_USER_SCOPES = Object.freeze([Scope.OrdersRead, Scope.OrdersWrite, Scope.ProfileRead, Scope.ProfileWrite]);

/**
 * What each role grants in a user's access token `scope`. The services' routes check the scope
 * as well as the role (`@Scopes` beside `@Roles`), so a token narrowed to fewer scopes (a
 * third-party application's) reaches less; admin grants the same kinds of access as user, its
 * extra rights being the `admin` role itself.
 */
export const ROLE_SCOPES: Readonly<Record<Role, readonly Scope[]>> = Object.freeze({
  [Role.User]: ALL_USER_SCOPES,
  [Role.Admin]: ALL_USER_SCOPES,
});

/**
 * The scopes a user's roles grant, each once, in SCOPES order (a stable `scope` claim). Unknown
 * role names grant nothing.
 */
export function scopesForRoles(roles: readonly string[]): Scope[] {
  const granted = new Set<Scope>();
  for (const role of roles) {
    for (const scope of Object.hasOwn(ROLE_SCOPES, role) ? ROLE_SCOPES[role as Role] : []) {
      granted.add(scope);
    }
  }
  return SCOPES.filter((scope) => granted.has(scope));
}

/**
 * The first-party web console's OAuth client id: a public client (no secret, RFC 6749 §2.1), the
 * `client_id` of every token from a password sign-in and of the refresh tokens it rotates.
 */
export const CONSOLE_CLIENT_ID = 'tessera-web';

/** RFC 8693 §2.1: the token-exchange grant, as auth answers it and a service asks for it. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
/** RFC 8693 §3: the one token type exchanged, in and out: an access token. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
