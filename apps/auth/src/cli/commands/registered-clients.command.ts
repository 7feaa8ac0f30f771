import type { INestApplicationContext } from '@nestjs/common';
import type { Command } from 'commander';

import { ClientMetadataError, ClientNotFoundError } from '../../clients/clients.errors';
import type { ClientActor, ClientRegistration } from '../../clients/oauth-clients.service';
import { OAuthClientsService } from '../../clients/oauth-clients.service';
import { parseClientMetadata } from '../../clients/parse-client-metadata';
import type { RedirectUriPolicy } from '../../clients/redirect-uri';
import { REDIRECT_URI_POLICY } from '../../clients/redirect-uri';
import type { CommandHost } from '../command';
import { table, UsageError } from '../command';

/** Who the audit trail names for a client registered or removed from the CLI. */
const OPERATOR: ClientActor = { subject: 'operator' };

interface AddOptions {
  name?: string;
  redirectUri?: string[];
  postLogoutRedirectUri?: string[];
  public?: boolean;
  grant?: string[];
  scope?: string;
  firstParty?: boolean;
  metadata?: string;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Refused metadata as the one line an operator reads: the RFC 7591 code, then the reason. */
function refused(e: ClientMetadataError): UsageError {
  return new UsageError(`${e.code}: ${e.message}`);
}

/** The --metadata file as a JSON object; a file that cannot be read or is no object is a usage mistake. */
function readMetadataFile(host: CommandHost, file: string): Record<string, unknown> {
  let text: string;
  try {
    text = host.readFile(file);
  } catch (e) {
    throw new UsageError(`cannot read --metadata ${JSON.stringify(file)}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`--metadata ${JSON.stringify(file)} is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`--metadata ${JSON.stringify(file)} must hold a JSON object (RFC 7591 client metadata)`);
  }
  return parsed as Record<string, unknown>;
}

/** The RFC 7591 metadata `clients add` registers: the --metadata file, then each option given over it. */
function metadataOf(host: CommandHost, options: AddOptions): Record<string, unknown> {
  const metadata = options.metadata === undefined ? {} : readMetadataFile(host, options.metadata);
  const given: Record<string, unknown> = {
    client_name: options.name,
    redirect_uris: options.redirectUri,
    post_logout_redirect_uris: options.postLogoutRedirectUri,
    grant_types: options.grant,
    scope: options.scope,
    token_endpoint_auth_method: options.public ? 'none' : undefined,
    first_party: options.firstParty ? true : undefined,
  };
  for (const [member, value] of Object.entries(given)) {
    if (value !== undefined) {
      metadata[member] = value;
    }
  }
  if (!('client_name' in metadata)) {
    throw new UsageError('--name is required (or client_name in the --metadata file)');
  }
  return metadata;
}

function describeRegistration(client: ClientRegistration): string {
  const lines = [
    `registered ${client.client_secret === undefined ? 'public' : 'confidential'} client ${JSON.stringify(client.client_name)}`,
    `client_id:     ${client.client_id}`,
  ];
  if (client.client_secret !== undefined) {
    lines.push(
      `client_secret: ${client.client_secret}`,
      'The secret is shown this once and cannot be recovered (only its SHA-256 is stored): give it to the application now.',
    );
  }
  return lines.join('\n');
}

/**
 * `clients add|registered|remove`: the OAuth/OpenID Connect clients (relying parties) in the
 * registry, through OAuthClientsService like `/admin/clients`, with the same audit records.
 */
export function registerRegisteredClientsCommands(clients: Command, host: CommandHost): void {
  clients
    .command('add')
    .description(
      'register an OAuth/OpenID Connect client (RFC 7591 metadata); a confidential one gets a secret, printed this once',
    )
    .option('--name <name>', 'client_name, shown on the consent screen')
    .option('--redirect-uri <uri>', 'a redirect URI, matched exactly (repeatable)', collect)
    .option('--post-logout-redirect-uri <uri>', 'where RP-initiated logout may return (repeatable)', collect)
    .option('--public', 'a public client: no secret (token_endpoint_auth_method none; PKCE protects its codes)')
    .option('--grant <grant>', 'authorization_code or refresh_token (repeatable; default authorization_code)', collect)
    .option('--scope <scope>', 'space-separated scopes it may ask for (default openid)')
    .option('--first-party', 'a first-party application: no consent screen')
    .option(
      '--metadata <file>',
      'a JSON file of RFC 7591 metadata (jwks, id_token_encrypted_response_*...); "-" reads standard input; the options above override its members',
    )
    .action(async (options: AddOptions) => {
      const metadata = metadataOf(host, options);
      // Checked before anything is opened; the redirect URI policy of this deployment, once it is up.
      await parseClientMetadata(metadata, { allowLoopbackHttp: true }).catch((e: unknown) => {
        throw e instanceof ClientMetadataError ? refused(e) : e;
      });
      host.run(async (app) => {
        const policy = app.get<RedirectUriPolicy>(REDIRECT_URI_POLICY);
        const registration = await app
          .get(OAuthClientsService)
          .registerBy(OPERATOR, metadata, policy)
          .catch((e: unknown) => {
            throw e instanceof ClientMetadataError ? refused(e) : e;
          });
        host.print(describeRegistration(registration), registration);
      });
    });
  clients
    .command('registered')
    .description('the registered OAuth/OpenID Connect clients, oldest first (never a secret)')
    .action(() => {
      host.run(async (app) => {
        const list = await app.get(OAuthClientsService).list();
        const rows = list.map((c) => ({
          client_id: c.client_id,
          client_name: c.client_name,
          type: c.token_endpoint_auth_method === 'none' ? 'public' : 'confidential',
          first_party: c.first_party,
          redirect_uris: c.redirect_uris.join(' '),
          registered: new Date(c.client_id_issued_at * 1000),
        }));
        host.print(
          rows.length
            ? table(rows, ['client_id', 'client_name', 'type', 'first_party', 'redirect_uris', 'registered'])
            : 'no registered clients',
          list,
        );
      });
    });
  clients
    .command('remove <clientId>')
    .description('remove a registered client: it can no longer sign anyone in; its id is never issued again')
    .action((clientId: string) => {
      host.run(async (app: INestApplicationContext) => {
        await app
          .get(OAuthClientsService)
          .removeBy(OPERATOR, clientId)
          .catch((e: unknown) => {
            throw e instanceof ClientNotFoundError
              ? new UsageError(`no registered client ${JSON.stringify(clientId)} (see clients registered)`)
              : e;
          });
        host.print(`removed client ${clientId}: it can no longer sign anyone in`, { client_id: clientId });
      });
    });
}
