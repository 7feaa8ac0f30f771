import type { DynamicModule } from '@nestjs/common';
import { Module } from '@nestjs/common';

import type { SecretOutput } from './service-clients.service';
import { SECRET_OUTPUT, ServiceClientsService } from './service-clients.service';

export interface ServiceClientsOptions {
  /**
   * Where the secrets generated for clients without one are printed (development only). The
   * app passes stdout, for the person starting it; the operator CLI passes nothing, since a
   * secret it generated is not the running app's and would only mislead.
   */
  announceGeneratedSecrets?: SecretOutput;
}

/** The declared service clients, for the app's OAuth endpoints and the operator CLI alike; no routes here. */
@Module({})
export class ServiceClientsModule {
  static forRoot(options: ServiceClientsOptions = {}): DynamicModule {
    const output: SecretOutput = options.announceGeneratedSecrets ?? (() => undefined);
    return {
      module: ServiceClientsModule,
      providers: [{ provide: SECRET_OUTPUT, useValue: output }, ServiceClientsService],
      exports: [ServiceClientsService],
    };
  }
}
