import { Module } from '@nestjs/common';

import { AccountsCoreModule } from '../accounts/accounts-core.module';
import { ClientsModule } from '../clients/clients.module';
import { KeysCoreModule } from '../keys/keys-core.module';
import { SessionsCoreModule } from '../sessions/sessions-core.module';
import { SignInModule } from '../sign-in/sign-in.module';
import { ConsentsService } from './consents.service';
import { InteractionController } from './interaction.controller';
import { OidcController } from './oidc.controller';
import { OpenIdProvider } from './oidc-provider.host';
import { OidcPayloadsPruner } from './oidc-payloads-pruner.service';
import { OidcTokens } from './oidc-tokens';

/** The OpenID Provider: authorization, the sign-in and consent pages, logout, userinfo, and the code grant. */
@Module({
  imports: [AccountsCoreModule, ClientsModule, KeysCoreModule, SessionsCoreModule, SignInModule],
  controllers: [OidcController, InteractionController],
  providers: [OpenIdProvider, OidcTokens, ConsentsService, OidcPayloadsPruner],
  exports: [OpenIdProvider],
})
export class OidcModule {}
