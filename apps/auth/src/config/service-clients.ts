/** One confidential client declared in SERVICE_CLIENTS (docs/operations.md, "Adding a service"). */
export interface ServiceClientDeclaration {
  id: string;
  /** The scopes it may ask for, in declaration order, without duplicates. */
  scopes: readonly string[];
  /** The environment variable holding its secret. */
  secretVariable: string;
}

export const SERVICE_CLIENT_SECRET_PREFIX = 'SERVICE_CLIENT_SECRET_';
/** A secret of 32 characters or more: generated ones are 43 (256 bits, base64url). */
export const SERVICE_CLIENT_SECRET_MIN_LENGTH = 32;
/** Generous, and a bound on the work a presented secret costs; the same bound as libs/auth's SERVICE_CLIENT_SECRET. */
export const SERVICE_CLIENT_SECRET_MAX_LENGTH = 512;

/** Lower-case, no "_": the secret's variable name (upper-cased, "-" as "_") is then one per id. */
const CLIENT_ID = '[a-z][a-z0-9-]{0,63}';
/** `<service>:<permission>`; the service part becomes the token's `aud`. */
const SCOPE = '[a-z0-9_-]+:[a-z0-9_.-]+';
const ENTRY = `${CLIENT_ID}=${SCOPE}( ${SCOPE})*`;
export const SERVICE_CLIENTS_FORMAT = new RegExp(`^${ENTRY}(,${ENTRY})*$`);

/** `SERVICE_CLIENT_SECRET_<ID>`: the id upper-cased, "-" as "_" (`orders` → SERVICE_CLIENT_SECRET_ORDERS). */
export function secretVariableOf(clientId: string): string {
  return `${SERVICE_CLIENT_SECRET_PREFIX}${clientId.toUpperCase().replace(/-/g, '_')}`;
}

/** Parses a value that already matched SERVICE_CLIENTS_FORMAT. */
export function parseServiceClients(value: string): ServiceClientDeclaration[] {
  return value.split(',').map((entry) => {
    const [id, scopes] = entry.split('=') as [string, string];
    return { id, scopes: [...new Set(scopes.split(' '))], secretVariable: secretVariableOf(id) };
  });
}

export interface ServiceClientSecrets {
  /** Client id → secret, for the declared clients whose secret is set. */
  secrets: Map<string, string>;
  /** What is wrong, naming variables only, never a value. */
  problems: string[];
}

/**
 * Reads the secret of every declared client. The names are dynamic, so they cannot be fields
 * of AuthConfig (the validator keeps only declared fields): this is where they are read.
 * A SERVICE_CLIENT_SECRET_* that no declared client uses is refused as a likely typo, which
 * would otherwise leave a client on a generated secret or without one.
 */
export function readServiceClientSecrets(
  clients: readonly ServiceClientDeclaration[],
  env: Record<string, string | undefined>,
  options: { required: boolean },
): ServiceClientSecrets {
  const secrets = new Map<string, string>();
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const client of clients) {
    if (seen.has(client.id)) {
      problems.push(`SERVICE_CLIENTS declares the client "${client.id}" more than once`);
      continue;
    }
    seen.add(client.id);
    const secret = env[client.secretVariable];
    if (secret === undefined || secret === '') {
      if (options.required) {
        problems.push(
          `${client.secretVariable} is required in production: SERVICE_CLIENTS declares the client "${client.id}" (generated secrets are for development)`,
        );
      }
      continue;
    }
    if (secret.length < SERVICE_CLIENT_SECRET_MIN_LENGTH || secret.length > SERVICE_CLIENT_SECRET_MAX_LENGTH) {
      problems.push(
        `${client.secretVariable} must be ${SERVICE_CLIENT_SECRET_MIN_LENGTH} to ${SERVICE_CLIENT_SECRET_MAX_LENGTH} characters (openssl rand -hex 32)`,
      );
      continue;
    }
    secrets.set(client.id, secret);
  }
  const declared = new Set(clients.map((c) => c.secretVariable));
  for (const name of Object.keys(env).sort()) {
    if (name.startsWith(SERVICE_CLIENT_SECRET_PREFIX) && env[name] && !declared.has(name)) {
      problems.push(`${name} is set, but SERVICE_CLIENTS declares no client it belongs to`);
    }
  }
  return { secrets, problems };
}

/**
 * TOKEN_EXCHANGE_CLIENTS: the service clients that may use the RFC 8693 token-exchange grant,
 * with the scopes an exchanged token may carry, in the SERVICE_CLIENTS format
 * (`profile=orders:read`). A separate setting rather than a marker inside SERVICE_CLIENTS, so
 * every existing SERVICE_CLIENTS value keeps its meaning: a client not listed here cannot
 * exchange a user's token, whatever its client_credentials scopes are. The service part of each
 * scope is an audience the client may ask for.
 */
export const TOKEN_EXCHANGE_CLIENTS_FORMAT = new RegExp(`^(none|${ENTRY}(,${ENTRY})*)$`);

/**
 * Parses a value that already matched TOKEN_EXCHANGE_CLIENTS_FORMAT; `none`: no client may
 * exchange (an empty variable is unset to the config loader, so it cannot say that).
 */
export function parseTokenExchangeClients(value: string): ServiceClientDeclaration[] {
  return value === 'none' ? [] : parseServiceClients(value);
}

/** What is wrong with TOKEN_EXCHANGE_CLIENTS against the declared service clients. */
export function tokenExchangeProblems(
  exchange: readonly ServiceClientDeclaration[],
  clients: readonly ServiceClientDeclaration[],
): string[] {
  const problems: string[] = [];
  const declared = new Set(clients.map((c) => c.id));
  const seen = new Set<string>();
  for (const entry of exchange) {
    if (seen.has(entry.id)) {
      problems.push(`TOKEN_EXCHANGE_CLIENTS lists the client "${entry.id}" more than once`);
    }
    seen.add(entry.id);
    if (!declared.has(entry.id)) {
      problems.push(
        `TOKEN_EXCHANGE_CLIENTS lists "${entry.id}", which SERVICE_CLIENTS does not declare (a client must authenticate to exchange a token)`,
      );
    }
  }
  return problems;
}
