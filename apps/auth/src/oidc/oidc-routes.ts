/** Where the OpenID Provider's endpoints are mounted. */
export const OIDC_ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  end_session: '/oauth/logout',
  interaction: '/oauth/interaction',
} as const;

/** Authentication context classes: a password, or a password and a factor. */
export const ACR_PASSWORD = 'urn:tessera:acr:pwd';
export const ACR_MFA = 'urn:tessera:acr:mfa';

/**
 * The claims of each OpenID scope (oidc-provider's `claims`); with `openid`, how and when the
 * user signed in too (OpenID Connect Core §2). `sid` is in every ID token.
 */
export const OIDC_CLAIMS = {
  sid: null,
  openid: ['sub', 'acr', 'amr', 'auth_time', 'at_hash'],
  profile: ['name'],
  email: ['email', 'email_verified'],
} as const;

/** Every claim an ID token or userinfo may carry, for discovery's `claims_supported`. */
export function supportedClaims(): string[] {
  const fromScopes = Object.entries(OIDC_CLAIMS).flatMap(([name, claims]) => (claims === null ? [name] : claims));
  return [...new Set(['iss', 'aud', 'exp', 'iat', 'nonce', ...fromScopes])];
}
