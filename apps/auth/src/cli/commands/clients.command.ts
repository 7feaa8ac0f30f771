import type { Command } from 'commander';

import { ServiceClientsService } from '../../oauth/service-clients.service';
import type { CommandHost } from '../command';
import { table, UsageError } from '../command';
import { registerRegisteredClientsCommands } from './registered-clients.command';

/**
 * `clients list|new-secret`: the service clients declared in SERVICE_CLIENTS, through
 * ServiceClientsService; `clients add|registered|remove`: the registered OAuth/OpenID Connect
 * clients (registered-clients.command.ts).
 */
export function registerClientsCommands(program: Command, host: CommandHost): void {
  const clients = program
    .command('clients')
    .description(
      'OAuth clients: service clients declared in SERVICE_CLIENTS (list, new-secret) and registered applications (add, registered, remove)',
    );
  clients
    .command('list')
    .description('the service clients declared in SERVICE_CLIENTS, their scopes, and whether a secret is configured')
    .action(() => {
      host.run((app) => {
        const list = app
          .get(ServiceClientsService)
          .list()
          .map((c) => ({ ...c, scopes: c.scopes.join(' ') }));
        host.print(table(list, ['clientId', 'scopes', 'secretVariable', 'secretSet']), list);
      });
    });
  clients
    .command('new-secret <clientId>')
    .description('print a fresh random secret for a declared client, to set in auth and in that service')
    .action((clientId: string) => {
      host.run((app) => {
        const fresh = app.get(ServiceClientsService).newSecret(clientId);
        if (!fresh) {
          throw new UsageError(`no client ${JSON.stringify(clientId)} is declared in SERVICE_CLIENTS`);
        }
        const { variable, secret } = fresh;
        host.print(
          `${variable}=${secret}\nSet it for auth (${variable}) and as SERVICE_CLIENT_SECRET of the ${clientId} service, then restart both.`,
          { clientId, variable, secret },
        );
      });
    });
  registerRegisteredClientsCommands(clients, host);
}
