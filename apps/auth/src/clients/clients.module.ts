import { Module } from '@nestjs/common';

import { AuthConfig } from '../config/auth.config';
import { SessionsCoreModule } from '../sessions/sessions-core.module';
import { OAuthClientsService } from './oauth-clients.service';
import { REDIRECT_URI_POLICY, redirectUriPolicyFor } from './redirect-uri';

/**
 * The registry of OAuth/OpenID Connect clients and this process's redirect URI policy, for the
 * app (`/admin/clients`, the OpenID Provider) and the operator CLI alike; no routes here.
 */
@Module({
  // Removing a client ends the sessions signed in to it.
  imports: [SessionsCoreModule],
  providers: [
    OAuthClientsService,
    { provide: REDIRECT_URI_POLICY, inject: [AuthConfig], useFactory: redirectUriPolicyFor },
  ],
  exports: [OAuthClientsService, REDIRECT_URI_POLICY],
})
export class ClientsModule {}
