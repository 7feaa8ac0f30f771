import { hkdfSync } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import './provider-warnings';

import { Inject, Injectable, Logger } from '@nestjs/common';
import { SCOPES } from '@tessera/contracts';
import { DATABASE } from '@tessera/platform';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import Provider, { errors } from 'oidc-provider';

import { UsersService } from '../accounts/users.service';
import { OIDC_SCOPES } from '../clients/client-metadata';
import { ID_TOKEN_ENCRYPTION_ALGS, ID_TOKEN_ENCRYPTION_ENCS } from '../clients/encryption-keys';
import { OAuthClientsService } from '../clients/oauth-clients.service';
import { AuthConfig } from '../config/auth.config';
import type { AuthDatabase } from '../database/auth-database';
import { KEY_ENCRYPTION_KEY } from '../keys/key-encryption-key';
import { KeyService } from '../keys/key.service';
import { SessionFamiliesService } from '../sessions/session-families.service';
import { ClientAdapter, consoleClientMetadata } from './client-adapter';
import { ConsentsService } from './consents.service';
import { OidcAdapter } from './oidc-adapter';
import { ACR_MFA, ACR_PASSWORD, OIDC_CLAIMS, OIDC_ROUTES } from './oidc-routes';
import { OidcTokens } from './oidc-tokens';
import { errorPage, logoutPage, loggedOutPage, securityHeaders } from './pages';

/** The one resource every Tessera access token is for: the services of ACCESS_TOKEN_AUDIENCE. */
export const TESSERA_RESOURCE = 'urn:tessera:services';

/** Short-lived by design: a code lives a minute (RFC 6749 §4.1.2 says 10 minutes at most). */
const CODE_TTL_SECONDS = 60;
const INTERACTION_TTL_SECONDS = 10 * 60;
const ID_TOKEN_TTL_SECONDS = 60 * 60;

/**
 * The OpenID Provider: oidc-provider (OpenID Certified) for the protocol (the authorization
 * endpoint, PKCE, the session cookie, prompts, consent, ID tokens and their encryption, the code
 * grant, RP-initiated logout), with Tessera's own token format, keys, sessions and revocation.
 *
 * - The provider signs with Tessera's current key. Its key set is fixed when it is built, so a
 *   new provider is built when the key rotates (all its state is in the database, so nothing is
 *   lost; requests already running finish on the old one, with a key still published).
 * - Access tokens are Tessera's (OidcTokens shapes the claims); refresh tokens and sessions are
 *   Tessera's session families, revoked through the revocation bucket.
 * - Userinfo, introspection, revocation, discovery and the JWKS are Tessera's own endpoints.
 */
@Injectable()
export class OpenIdProvider {
  private readonly logger = new Logger('OpenIdProvider');
  private built?: { kid: string; provider: Provider; callback: ReturnType<Provider['callback']> };
  private readonly cookieKey: string;
  private readonly issuedAccessTokens = new WeakMap<object, string>();

  constructor(
    @Inject(DATABASE) private readonly db: AuthDatabase,
    @Inject(KEY_ENCRYPTION_KEY) kek: Buffer,
    private readonly config: AuthConfig,
    private readonly keys: KeyService,
    private readonly clients: OAuthClientsService,
    private readonly users: UsersService,
    private readonly families: SessionFamiliesService,
    private readonly consents: ConsentsService,
    private readonly tokens: OidcTokens,
  ) {
    // Every replica signs the provider's cookies with the same key, derived from the
    // key-encryption key so that no further secret has to be configured.
    this.cookieKey = Buffer.from(hkdfSync('sha256', kek, 'tessera', 'oidc-provider cookies', 32)).toString('base64url');
  }

  /** False in HS256 mode: an ID token must be verifiable by the relying party with a published key. */
  get enabled(): boolean {
    return !this.keys.sharedSecretMode;
  }

  get issuer(): string {
    return this.config.AUTH_ISSUER;
  }

  /** The provider signing with the current key, built again after a rotation. */
  provider(): Provider {
    const key = this.keys.signingKey();
    return this.current(key.kid).provider;
  }

  private current(kid: string): NonNullable<OpenIdProvider['built']> {
    if (this.built?.kid !== kid) {
      const provider = this.build();
      // Koa composes its middleware in callback(): once per provider, not once per request.
      this.built = { kid, provider, callback: provider.callback() };
    }
    return this.built;
  }

  /** Hands a request to the provider, which answers it. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await this.current(this.keys.signingKey().kid).callback(req, res);
  }

  private build(): Provider {
    const key = this.keys.signingKey();
    const jwk = {
      ...(key.privateKey.export({ format: 'jwk' }) as Record<string, unknown>),
      kid: key.kid,
      alg: key.alg,
      use: 'sig',
    };
    const provider = new Provider(this.issuer, this.configuration(jwk, key.alg));
    provider.proxy = Boolean(this.config.TRUST_PROXY);
    // Secrets are stored as a hash, never in the metadata the provider reads: the registry
    // compares them (in constant time), not the provider.
    const clients = this.clients;
    provider.Client.prototype.compareClientSecret = function compareClientSecret(
      this: { clientId: string },
      actual: string,
    ): Promise<boolean> {
      return clients.authenticate(this.clientId, actual);
    };
    // oidc-provider adds at_hash only to ID tokens from the authorization endpoint; Tessera's
    // carry it from the token endpoint too, so the value of each access token is kept for the
    // account's claims (below), and the ID token hashes it as at_hash.
    const issued = this.issuedAccessTokens;
    const { prototype } = provider.AccessToken;
    const save: (this: object) => Promise<string> = Reflect.get(prototype, 'save');
    prototype.save = async function saveAndKeep(this: object): Promise<string> {
      const value = await save.call(this);
      issued.set(this, value);
      return value;
    };
    // Every ID token names its session (`sid`), not only those of back-channel logout clients:
    // a relying party can then tie a later logout to the sign-in it knows.
    provider.Client.prototype.includeSid = function includeSid(): boolean {
      return true;
    };
    this.tokens.attach(provider);
    provider.on('server_error', (_ctx: unknown, error: unknown) => {
      this.logger.error({ msg: 'OpenID Provider error', error: error instanceof Error ? error.message : 'unknown' });
    });
    return provider;
  }

  private configuration(jwk: Record<string, unknown>, alg: string): Configuration {
    const config = this.config;
    return {
      adapter: (name: string) =>
        name === 'Client'
          ? new ClientAdapter(this.clients)
          : new OidcAdapter(
              this.db,
              name,
              // Called whenever the provider revokes a grant (a replayed code, a logout): once
              // through the AccessToken adapter is enough.
              name === 'AccessToken'
                ? async (grantId) => void (await this.families.revokeByOidcGrant(grantId))
                : undefined,
            ),
      // The console is configured, not registered: PUBLIC_WEB_URL says where it is.
      clients: config.PUBLIC_WEB_URL ? [consoleClientMetadata(config.PUBLIC_WEB_URL) as never] : [],
      // A browser may call the token endpoint itself only for a public client (a confidential
      // one keeps its secret on a server), and only from the origin of one of its redirect URIs.
      clientBasedCORS: (_ctx, origin, client) =>
        origin !== 'null' &&
        client.clientAuthMethod === 'none' &&
        (client.redirectUris ?? []).some((uri) => new URL(uri).origin === origin),
      jwks: { keys: [jwk] },
      cookies: {
        keys: [this.cookieKey],
        long: { httpOnly: true, sameSite: 'lax', signed: true },
        short: { httpOnly: true, sameSite: 'lax', signed: true },
        names: { session: 'tessera_op_session', interaction: 'tessera_op_interaction', resume: 'tessera_op_resume' },
      },
      routes: {
        authorization: OIDC_ROUTES.authorization,
        token: OIDC_ROUTES.token,
        end_session: OIDC_ROUTES.end_session,
        // Served by Tessera itself, or not at all; the provider's own are never routed to it.
        jwks: '/oauth/provider/jwks',
        userinfo: '/oauth/provider/userinfo',
        introspection: '/oauth/provider/introspect',
        revocation: '/oauth/provider/revoke',
        pushed_authorization_request: '/oauth/provider/par',
        registration: '/oauth/provider/register',
        code_verification: '/oauth/provider/device',
        device_authorization: '/oauth/provider/device/auth',
        backchannel_authentication: '/oauth/provider/backchannel',
        challenge: '/oauth/provider/challenge',
      },
      responseTypes: ['code'],
      // S256 only (oidc-provider supports nothing else), and for every client.
      pkce: { required: () => true },
      // The OpenID scopes; the services' scopes are the resource server's (getResourceServerInfo).
      scopes: [...OIDC_SCOPES],
      claims: Object.fromEntries(
        Object.entries(OIDC_CLAIMS).map(([name, claims]) => [name, claims === null ? null : [...claims]]),
      ),
      acrValues: [ACR_PASSWORD, ACR_MFA],
      clientDefaults: {
        grant_types: ['authorization_code'],
        response_types: ['code'],
        id_token_signed_response_alg: alg as never,
        token_endpoint_auth_method: 'client_secret_basic',
      },
      extraClientMetadata: { properties: ['first_party', 'tessera_api_scopes', 'tessera_refresh_grant'] },
      enabledJWA: {
        idTokenSigningAlgValues: [alg as never],
        idTokenEncryptionAlgValues: [...ID_TOKEN_ENCRYPTION_ALGS],
        idTokenEncryptionEncValues: [...ID_TOKEN_ENCRYPTION_ENCS],
        authorizationSigningAlgValues: [alg as never],
      },
      ttl: {
        AuthorizationCode: CODE_TTL_SECONDS,
        Interaction: INTERACTION_TTL_SECONDS,
        IdToken: ID_TOKEN_TTL_SECONDS,
        AccessToken: config.ACCESS_TOKEN_TTL_SECONDS,
        Session: config.REFRESH_ABSOLUTE_SECONDS,
        Grant: config.REFRESH_ABSOLUTE_SECONDS,
      },
      // Tessera issues the refresh token (a session family), never the provider.
      issueRefreshToken: () => false,
      allowOmittingSingleRegisteredRedirectUri: false,
      interactions: { url: (_ctx, interaction) => `${OIDC_ROUTES.interaction}/${interaction.uid}` },
      findAccount: async (ctx, sub) => {
        const user = await this.users.findById(sub);
        if (!user || user.disabled) {
          return undefined;
        }
        const atHash = (use: string) => {
          // Read when the ID token is made: after the access token was signed.
          const accessToken = use === 'id_token' ? ctx.oidc?.entities.AccessToken : undefined;
          const value = accessToken ? this.issuedAccessTokens.get(accessToken) : undefined;
          return value ? { at_hash: value } : {};
        };
        return {
          accountId: user.id,
          roles: user.roles,
          claims: (use) => ({
            sub: user.id,
            ...atHash(use),
            email: user.email,
            // Addresses are not verified yet: say so rather than claim it.
            email_verified: false,
            ...(user.displayName ? { name: user.displayName } : {}),
          }),
        };
      },
      loadExistingGrant: (ctx) => this.consents.existingGrant(ctx),
      features: {
        devInteractions: { enabled: false },
        userinfo: { enabled: false },
        introspection: { enabled: false },
        revocation: { enabled: false },
        clientCredentials: { enabled: false },
        registration: { enabled: false },
        encryption: { enabled: true },
        claimsParameter: { enabled: false },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => TESSERA_RESOURCE,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, indicator, client) => {
            if (indicator !== TESSERA_RESOURCE) {
              throw new errors.InvalidTarget();
            }
            // The services' scopes this client was registered with.
            const scopes = client.metadata().tessera_api_scopes;
            const registered = new Set(typeof scopes === 'string' ? scopes.split(' ') : []);
            return {
              scope: SCOPES.filter((s) => registered.has(s)).join(' '),
              audience: config.accessTokenAudience.join(' '),
              accessTokenTTL: config.ACCESS_TOKEN_TTL_SECONDS,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: alg as never } },
            };
          },
        },
        rpInitiatedLogout: {
          enabled: true,
          logoutSource: (ctx, form) => {
            const back = ctx.oidc.params?.post_logout_redirect_uri;
            for (const [name, value] of Object.entries(securityHeaders(typeof back === 'string' ? [back] : []))) {
              ctx.set(name, value);
            }
            ctx.type = 'html';
            ctx.body = logoutPage(form, ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId);
          },
          postLogoutSuccessSource: (ctx) => {
            ctx.type = 'html';
            ctx.body = loggedOutPage();
          },
        },
      },
      formats: { customizers: { jwt: (ctx, token, jwt) => this.tokens.shape(ctx, token, jwt) } },
      renderError: (ctx: KoaContextWithOIDC, out) => {
        ctx.type = 'html';
        ctx.body = errorPage(String(out.error ?? 'server_error'), String(out.error_description ?? ''));
      },
    };
  }
}
