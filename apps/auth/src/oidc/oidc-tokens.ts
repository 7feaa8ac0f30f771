import { fastifyCookie } from '@fastify/cookie';
import { Injectable, Logger } from '@nestjs/common';
import { CONSOLE_CLIENT_ID } from '@tessera/contracts';
import { decodeJwt } from 'jose';
import type { AccessToken, ClientCredentials, KoaContextWithOIDC } from 'oidc-provider';
import type Provider from 'oidc-provider';

import { AuthConfig } from '../config/auth.config';
import { RefreshTokensService } from '../sessions/refresh-tokens.service';
import { InvalidGrantError } from '../sessions/sessions.errors';
import { REFRESH_COOKIE, refreshCookieAttributes, refreshCookieMaxAge } from '../sign-in/refresh-cookie';
import { rolesForClient, scopesForGrant } from '../tokens/token-issuer.service';
import { OIDC_ROUTES } from './oidc-routes';
import { inlineScriptSource, securityHeaders } from './pages';

interface JwtParts {
  header?: Record<string, unknown>;
  payload: Record<string, unknown>;
}

interface TesseraAccount {
  accountId: string;
  roles?: readonly string[];
}

/** Whether a client was registered `first_party` (no consent screen, the user's roles in full). */
export function isFirstParty(client: { metadata(): Record<string, unknown> } | undefined): boolean {
  return client?.metadata().first_party === true;
}

/**
 * Tessera's side of the provider's token endpoint.
 *
 * - `shape` gives the access token the provider signs exactly Tessera's claims (typ at+jwt, the
 *   services' `aud`, `roles`, `scope`, `client_id`), so that orders and profile verify it like
 *   any other, and revoke it by its `jti`.
 * - The middleware `attach` installs starts a session family for each code exchanged, holding
 *   that access token, and hands its refresh token to a client registered for the refresh grant,
 *   or, to the console (`tessera-web`), as the same HttpOnly cookie a password sign-in sets.
 */
@Injectable()
export class OidcTokens {
  private readonly logger = new Logger('OpenIdProvider');

  constructor(
    private readonly config: AuthConfig,
    private readonly refresh: RefreshTokensService,
  ) {}

  shape(ctx: KoaContextWithOIDC, token: AccessToken | ClientCredentials, jwt: JwtParts): void {
    const account = ctx.oidc.account as unknown as TesseraAccount | undefined;
    const client = ctx.oidc.client;
    if (!account || !client || !('accountId' in token)) {
      throw new Error('an access token without an account or a client');
    }
    const roles = rolesForClient(account.roles ?? [], isFirstParty(client));
    const code = ctx.oidc.entities.AuthorizationCode;
    const granted = [...(code?.scope ?? '').split(' '), ...(token.scope ?? '').split(' ')].filter(Boolean);
    const { jti, iat, exp } = jwt.payload;
    for (const claim of Object.keys(jwt.payload)) {
      delete jwt.payload[claim];
    }
    Object.assign(jwt.payload, {
      iss: this.config.AUTH_ISSUER,
      sub: account.accountId,
      aud: [...this.config.accessTokenAudience],
      iat,
      nbf: iat,
      exp,
      jti,
      roles,
      scope: scopesForGrant(granted, roles).join(' '),
      client_id: client.clientId,
    });
  }

  attach(provider: Provider): void {
    provider.use(async (ctx, next) => {
      for (const [name, value] of Object.entries(securityHeaders())) {
        ctx.set(name, value);
      }
      const tokenRequest = ctx.method === 'POST' && ctx.path === OIDC_ROUTES.token;
      if (tokenRequest) {
        // The CORS headers Fastify set for CORS_ORIGINS would make the provider skip its own
        // check; at the token endpoint the client decides (clientBasedCORS), not the origin alone.
        for (const name of Object.keys(ctx.response.headers)) {
          if (name.toLowerCase().startsWith('access-control-')) {
            ctx.remove(name);
          }
        }
      }
      await next();
      const oidc = (ctx as Partial<KoaContextWithOIDC>).oidc;
      const script =
        ctx.path === OIDC_ROUTES.end_session && typeof ctx.body === 'string' && inlineScriptSource(ctx.body);
      if (script) {
        // Its form leads, through the confirmation, to the validated post_logout_redirect_uri:
        // form-action must allow that redirect too, or the browser blocks the submit.
        const back = oidc?.params?.post_logout_redirect_uri;
        const csp = securityHeaders(typeof back === 'string' ? [back] : [])['content-security-policy'];
        ctx.set('content-security-policy', `${csp}; script-src ${script}`);
      }
      if (tokenRequest && oidc?.client?.clientId === CONSOLE_CLIENT_ID) {
        this.allowConsoleCredentials(ctx as KoaContextWithOIDC);
      }
      const body = ctx.body as Record<string, unknown> | undefined;
      if (
        ctx.method === 'POST' &&
        ctx.status === 200 &&
        typeof body?.access_token === 'string' &&
        oidc?.entities.AuthorizationCode
      ) {
        await this.startSession(ctx as KoaContextWithOIDC, body);
      }
    });
  }

  /**
   * The console's fetch sends credentials (it receives the refresh cookie), which a browser
   * allows only with Access-Control-Allow-Credentials and the exact origin: given only to an
   * origin of CORS_ORIGINS that the provider's clientBasedCORS let through.
   */
  private allowConsoleCredentials(ctx: KoaContextWithOIDC): void {
    const origin = ctx.get('Origin');
    if (
      origin &&
      this.config.corsOrigins.includes(origin) &&
      ctx.response.get('Access-Control-Allow-Origin') === origin
    ) {
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.set('Access-Control-Allow-Credentials', 'true');
    }
  }

  private async startSession(ctx: KoaContextWithOIDC, body: Record<string, unknown>): Promise<void> {
    const code = ctx.oidc.entities.AuthorizationCode!;
    const claims = decodeJwt(String(body.access_token));
    const clientId = String(claims.client_id);
    try {
      const session = await this.refresh.startForClient(
        {
          userId: String(claims.sub),
          clientId,
          scope: typeof claims.scope === 'string' ? claims.scope : '',
          firstParty: isFirstParty(ctx.oidc.client),
          ...(code.sessionUid ? { oidcSessionUid: code.sessionUid } : {}),
          ...(code.grantId ? { oidcGrantId: code.grantId } : {}),
          accessJti: String(claims.jti),
          accessExpiresAt: Number(claims.exp),
        },
        { clientAddress: ctx.ip, userAgent: ctx.get('user-agent') || undefined },
      );
      if (clientId === CONSOLE_CLIENT_ID) {
        // As at POST /auth/login: the refresh token stays out of reach of the console's scripts.
        ctx.append(
          'Set-Cookie',
          fastifyCookie.serialize(REFRESH_COOKIE, session.refreshToken, {
            ...refreshCookieAttributes(this.config.production),
            maxAge: refreshCookieMaxAge(session.refreshExpiresAt),
          }),
        );
        return;
      }
      if (ctx.oidc.client?.metadata().tessera_refresh_grant === true) {
        body.refresh_token = session.refreshToken;
      }
    } catch (e) {
      // The access token was signed but is never handed out: the client sees a clean OAuth error.
      ctx.status = e instanceof InvalidGrantError ? 400 : 503;
      ctx.body =
        e instanceof InvalidGrantError
          ? { error: 'invalid_grant', error_description: 'The account can no longer sign in.' }
          : { error: 'temporarily_unavailable', error_description: 'Tokens cannot be issued right now; retry.' };
      if (!(e instanceof InvalidGrantError)) {
        this.logger.error({ msg: 'session for a code exchange could not be started', clientId });
      }
    }
  }
}
