import { Module } from '@nestjs/common';

import { ClientsModule } from '../clients/clients.module';
import { KeysCoreModule } from '../keys/keys-core.module';
import { OidcModule } from '../oidc/oidc.module';
import { SessionsCoreModule } from '../sessions/sessions-core.module';
import { TokensModule } from '../tokens/tokens.module';
import { AccessTokenInspector } from './access-token-inspector';
import { DiscoveryController } from './discovery.controller';
import { DiscoveryService } from './discovery.service';
import { OAuthController } from './oauth.controller';
import { OAuthRouteErrors } from './oauth-route-errors';
import { OAuthTokenService } from './oauth-token.service';
import { ServiceClientsModule } from './service-clients.module';
import { TokenExchangeMetrics } from './token-exchange.metrics';
import { TokenExchangeService } from './token-exchange.service';
import { TokenIntrospectionService } from './token-introspection.service';
import { TokenRevocationService } from './token-revocation.service';

/** Service clients (OAuth 2.0): token, revocation and introspection endpoints, and the discovery document. */
@Module({
  imports: [
    ClientsModule,
    KeysCoreModule,
    TokensModule,
    SessionsCoreModule,
    OidcModule,
    // Straight to stdout, not through the logger: the development secrets are meant for the
    // person starting the app, and are the only secrets ever printed.
    ServiceClientsModule.forRoot({ announceGeneratedSecrets: (text) => void process.stdout.write(text) }),
  ],
  controllers: [OAuthController, DiscoveryController],
  providers: [
    OAuthTokenService,
    TokenExchangeService,
    TokenExchangeMetrics,
    TokenRevocationService,
    TokenIntrospectionService,
    AccessTokenInspector,
    DiscoveryService,
    OAuthRouteErrors,
  ],
})
export class OAuthModule {}
