import { ConsoleLogger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { TestDatabaseTarget } from '@tessera/platform/testing';
import { freePort, loadBuilt, TestSystem } from '@tessera/platform/testing';

/** RFC 7591 client metadata as auth registers it, with Tessera's `first_party`. */
export interface ClientMetadataInput {
  client_name: string;
  redirect_uris: string[];
  post_logout_redirect_uris?: string[];
  grant_types?: string[];
  token_endpoint_auth_method?: 'none' | 'client_secret_basic';
  scope: string;
  first_party?: boolean;
}

interface ClientRegistry {
  register(
    metadata: ClientMetadataInput,
    policy: { allowLoopbackHttp: boolean },
  ): Promise<{ client_id: string; client_secret?: string }>;
}

/**
 * auth alone, from dist/ in this process (the apps are never imported from source here), as an
 * OpenID Provider whose issuer is its real loopback URL: the browser and the relying parties'
 * openid-client then reach it under the name it writes into every token. Clients are
 * registered through auth's own registry, as `/admin/clients` does.
 */
export class OpenIdProviderUnderTest {
  private readonly system: TestSystem;
  private app?: NestFastifyApplication;
  issuer = '';

  constructor(database: TestDatabaseTarget) {
    this.system = new TestSystem(database, { adminEmail: 'admin@oidc-web-e2e.test' });
  }

  async start(): Promise<void> {
    // The port is chosen first: the issuer names it, and auth checks its issuer at boot.
    const port = await freePort();
    this.issuer = `http://127.0.0.1:${port}`;
    const env = this.system.environment({
      ports: { auth: port, orders: 0, profile: 0 },
      issuer: this.issuer,
      authUrl: this.issuer,
      keyEncryptionKey: true,
      common: { NO_COLOR: '1' },
    });
    this.app = await this.system.startInProcess(
      'auth',
      { ...env.auth, ...(await this.system.database('auth')) },
      { logger: new ConsoleLogger('auth', { logLevels: ['error'] }) },
    );
  }

  /** Registers a relying party (http loopback redirect URIs allowed, as in development). */
  async register(metadata: ClientMetadataInput): Promise<{ client_id: string; client_secret?: string }> {
    const { OAuthClientsService } = await loadBuilt<{ OAuthClientsService: abstract new () => ClientRegistry }>(
      'auth',
      'apps/auth/src/clients/oauth-clients.service.js',
    );
    const registry = this.app!.get<ClientRegistry>(OAuthClientsService, { strict: false });
    return registry.register(metadata, { allowLoopbackHttp: true });
  }

  /** A new account with `password`, through the public sign-up route. */
  async signUp(email: string, password: string): Promise<void> {
    const res = await fetch(`${this.issuer}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password, displayName: 'Ada' }),
    });
    if (res.status !== 201) {
      throw new Error(`sign-up: ${res.status} ${await res.text()}`);
    }
  }

  /** Closes auth, drops its database and deletes the NATS namespace. */
  stop(): Promise<void> {
    return this.system.close();
  }
}

export async function startOpenIdProvider(database: TestDatabaseTarget): Promise<OpenIdProviderUnderTest> {
  const provider = new OpenIdProviderUnderTest(database);
  try {
    await provider.start();
  } catch (e) {
    await provider.stop();
    throw e;
  }
  return provider;
}
