import { Module } from '@nestjs/common';

import { KeysModule } from '../keys/keys.module';
import { SessionsModule } from '../sessions/sessions.module';
import { TokensModule } from '../tokens/tokens.module';
import { AccessTokenInspector } from './access-token-inspector';
import { DiscoveryController } from './discovery.controller';
import { DiscoveryService } from './discovery.service';
import { OAuthController } from './oauth.controller';
import { OAuthRouteErrors } from './oauth-route-errors';
import { OAuthTokenService } from './oauth-token.service';
import type { SecretOutput } from './service-clients.service';
import { SECRET_OUTPUT, ServiceClientsService } from './service-clients.service';
import { TokenRevocationService } from './token-revocation.service';

/** Service clients (OAuth 2.0): token and revocation endpoints, and the discovery document. */
@Module({
  imports: [KeysModule, TokensModule, SessionsModule],
  controllers: [OAuthController, DiscoveryController],
  providers: [
    // Straight to stdout, not through the logger: the development secrets are meant for the
    // person starting the app, and are the only secrets ever printed.
    { provide: SECRET_OUTPUT, useValue: ((text) => void process.stdout.write(text)) satisfies SecretOutput },
    ServiceClientsService,
    OAuthTokenService,
    TokenRevocationService,
    AccessTokenInspector,
    DiscoveryService,
    OAuthRouteErrors,
  ],
})
export class OAuthModule {}
