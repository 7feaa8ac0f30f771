/** Where the OpenID Provider's endpoints are mounted. */
export const OIDC_ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  end_session: '/oauth/logout',
  interaction: '/oauth/interaction',
} as const;
