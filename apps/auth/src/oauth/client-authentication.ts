import { CONSOLE_CLIENT_ID } from '@tessera/contracts';

import { InvalidClientError, InvalidOAuthRequestError } from './oauth.errors';

/** Client credentials as a request presents them (RFC 6749 §2.3.1). */
export interface PresentedClient {
  method: 'client_secret_basic' | 'client_secret_post';
  clientId: string;
  clientSecret: string;
}

/** The body parameters that may carry client credentials. */
export interface ClientParams {
  client_id?: string;
  client_secret?: string;
}

export interface ClientAuthenticationOptions {
  /**
   * What an Authorization header of another scheme means: at the token endpoint an attempt at
   * client authentication that fails (`refuse`); at the revocation endpoint, whose callers may
   * be users with their bearer token, nothing (`ignore`).
   */
  otherSchemes: 'refuse' | 'ignore';
  /**
   * Whether a `client_id` without a secret may name a registered public client (the token
   * endpoint looks it up); otherwise only the console may go without one.
   */
  publicClients?: boolean;
}

const BASIC = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i;
const SCHEME = /^[^\s]+/;

/**
 * The client credentials a request presents, or undefined when it presents none (the public
 * first-party client). Only the presentation is checked here, not the secret.
 */
export function presentedClient(
  rawHeaders: readonly string[],
  params: ClientParams,
  options: ClientAuthenticationOptions,
): PresentedClient | undefined {
  const basic = basicCredentials(authorizationValues(rawHeaders), options);
  if (basic) {
    // RFC 6749 §2.3: a client uses exactly one authentication method per request.
    if (params.client_secret !== undefined) {
      throw new InvalidOAuthRequestError(
        'Authenticate the client once: with the Authorization header or with client_secret, not both.',
      );
    }
    if (params.client_id !== undefined && params.client_id !== basic.clientId) {
      throw new InvalidOAuthRequestError('client_id does not match the client of the Authorization header.');
    }
    return basic;
  }
  if (params.client_secret !== undefined) {
    if (params.client_id === undefined) {
      throw new InvalidOAuthRequestError('client_secret requires client_id.');
    }
    return { method: 'client_secret_post', clientId: params.client_id, clientSecret: params.client_secret };
  }
  if (params.client_id === CONSOLE_CLIENT_ID) {
    // The console is a public client (`token_endpoint_auth_method` `none`): it names itself
    // and proves nothing; with a secret it fails above, as a service client it is not.
    return undefined;
  }
  if (params.client_id !== undefined && !options.publicClients) {
    // Every other registered client is confidential: naming one without its secret is a failed
    // authentication, answered like a wrong secret.
    throw new InvalidClientError();
  }
  return undefined;
}

/**
 * Authorization header values counted on the raw header list: Node keeps only the first of
 * repeated ones, and two of them is an ambiguity to refuse, not to guess at.
 */
function authorizationValues(rawHeaders: readonly string[]): string[] {
  const values: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]?.toLowerCase() === 'authorization') {
      values.push(rawHeaders[i + 1] ?? '');
    }
  }
  if (values.length > 1) {
    throw new InvalidOAuthRequestError('Send at most one Authorization header.');
  }
  return values;
}

/** `client_secret_basic`: base64 of `urlencode(id):urlencode(secret)` (RFC 6749 §2.3.1, RFC 7617). */
function basicCredentials(values: string[], options: ClientAuthenticationOptions): PresentedClient | undefined {
  const value = values[0];
  if (value === undefined) {
    return undefined;
  }
  if (SCHEME.exec(value)?.[0].toLowerCase() !== 'basic') {
    if (options.otherSchemes === 'ignore') {
      return undefined;
    }
    throw new InvalidClientError();
  }
  const encoded = BASIC.exec(value)?.[1];
  if (!encoded) {
    throw new InvalidClientError();
  }
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) {
    throw new InvalidClientError();
  }
  return {
    method: 'client_secret_basic',
    clientId: formDecode(decoded.slice(0, colon)),
    clientSecret: formDecode(decoded.slice(colon + 1)),
  };
}

/** application/x-www-form-urlencoded decoding of one value ("+" is a space). */
function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    // Malformed percent-encoding: not credentials of any client.
    throw new InvalidClientError();
  }
}
