import { Injectable, Logger } from '@nestjs/common';
import { Role } from '@tessera/contracts';
import { decodeJwt } from 'jose';
import type { AccessToken, ClientCredentials, KoaContextWithOIDC } from 'oidc-provider';
import type Provider from 'oidc-provider';

import { OAuthClientsService } from '../clients/oauth-clients.service';
import { AuthConfig } from '../config/auth.config';
import { RefreshTokensService } from '../sessions/refresh-tokens.service';
import { InvalidGrantError } from '../sessions/sessions.errors';
import { scopesForGrant } from '../tokens/token-issuer.service';
import { securityHeaders } from './pages';

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
 * The roles a relying party's token carries: the user's, except that only a first-party client
 * ever gets `admin`. A third-party application the user signed in to must never be able to act
 * as an administrator, whatever the user is.
 */
export function rolesForClient(roles: readonly string[], firstParty: boolean): string[] {
  return firstParty ? [...roles] : roles.filter((role) => role !== Role.Admin);
}

/**
 * Tessera's side of the provider's token endpoint.
 *
 * - `shape` gives the access token the provider signs exactly Tessera's claims (typ at+jwt, the
 *   services' `aud`, `roles`, `scope`, `client_id`), so that orders and profile verify it like
 *   any other, and revoke it by its `jti`.
 * - The middleware `attach` installs starts a session family for each code exchanged, holding
 *   that access token, and hands its refresh token to a client registered for the refresh grant.
 */
@Injectable()
export class OidcTokens {
  private readonly logger = new Logger('OpenIdProvider');

  constructor(
    private readonly config: AuthConfig,
    private readonly refresh: RefreshTokensService,
    private readonly clients: OAuthClientsService,
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
      for (const [name, value] of Object.entries(securityHeaders(ctx.path))) {
        ctx.set(name, value);
      }
      await next();
      const oidc = (ctx as Partial<KoaContextWithOIDC>).oidc;
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
      const registered = await this.clients.find(clientId);
      if (registered?.grant_types.includes('refresh_token')) {
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
