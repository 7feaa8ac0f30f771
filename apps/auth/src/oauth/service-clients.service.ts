import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';

import { AuthConfig } from '../config/auth.config';
import { InvalidScopeError } from './oauth.errors';

/** A confidential client of the client_credentials grant. */
export interface ServiceClient {
  id: string;
  /** Every scope it may be granted. */
  scopes: readonly string[];
}

/** A declared client as an operator sees it: never its secret, only whether one is configured. */
export interface ServiceClientSummary {
  clientId: string;
  scopes: readonly string[];
  /** The environment variable its secret is read from. */
  secretVariable: string;
  /** False when the variable is unset and the process runs on a generated secret (not in production). */
  secretSet: boolean;
}

/** Where the development secrets are printed (stdout; a spy in unit tests). */
export const SECRET_OUTPUT = Symbol('SECRET_OUTPUT');
export type SecretOutput = (text: string) => void;

/** RFC 6749 §3.3: scope-token *( SP scope-token ), scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_PARAM = /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/;

interface RegisteredClient {
  client: ServiceClient;
  secretVariable: string;
  secretSet: boolean;
  digest: Buffer;
}

/** 256 random bits, base64url (43 characters): a generated client secret. */
function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The service clients declared in configuration, each held only as a digest of its secret.
 *
 * Why HMAC-SHA-256 and not argon2id: a client secret is a random value of at least 32
 * characters, not a password a person chose, so a guess succeeds with negligible probability
 * however fast each guess is; a slow hash would buy nothing and cost every token request tens
 * of milliseconds (slow hashing defends low-entropy passwords; see refresh-token.ts for the same
 * reasoning about refresh tokens). The key is random per
 * process, so even a digest read from memory is no offline oracle for guessing. Digests are
 * compared with timingSafeEqual, and an unknown client is checked against a dummy digest, so
 * an unknown id and a wrong secret take the same time and get the same answer.
 */
@Injectable()
export class ServiceClientsService {
  private readonly key = randomBytes(32);
  private readonly clients = new Map<string, RegisteredClient>();
  private readonly dummyDigest: Buffer;

  constructor(config: AuthConfig, @Inject(SECRET_OUTPUT) output: SecretOutput) {
    for (const declared of config.serviceClients) {
      const configured = config.serviceClientSecrets.get(declared.id);
      let secret = configured;
      if (secret === undefined) {
        if (config.production) {
          // loadAuthConfig refuses this; never fall back to a generated secret in production.
          throw new Error(`${declared.secretVariable} is required in production`);
        }
        secret = generateSecret();
        // Tests get an unusable secret silently; they pass their own when they need a client.
        if (config.NODE_ENV === 'development') {
          output(
            `Development default: service client "${declared.id}" has the generated secret ${secret}\n` +
              `  (printed once, kept only hashed; set ${declared.secretVariable} to choose one, as production requires)\n`,
          );
        }
      }
      this.clients.set(declared.id, {
        client: { id: declared.id, scopes: declared.scopes },
        secretVariable: declared.secretVariable,
        secretSet: configured !== undefined,
        digest: this.digest(secret),
      });
    }
    this.dummyDigest = this.digest(generateSecret());
  }

  /** The client when `secret` is its secret; undefined for an unknown client or a wrong secret alike. */
  authenticate(clientId: string, secret: string): ServiceClient | undefined {
    const registered = this.clients.get(clientId);
    const matches = timingSafeEqual(this.digest(secret), registered?.digest ?? this.dummyDigest);
    return registered && matches ? registered.client : undefined;
  }

  /**
   * The scopes to grant for a `scope` parameter (RFC 6749 §3.3): all of the client's when it is
   * omitted, otherwise exactly those asked for, each of which the client must be allowed.
   */
  grantScopes(client: ServiceClient, requested: string | undefined): string[] {
    if (requested === undefined) {
      return [...client.scopes];
    }
    if (!SCOPE_PARAM.test(requested)) {
      throw new InvalidScopeError('scope must be space-separated scope names.');
    }
    const scopes = [...new Set(requested.split(' '))];
    if (!scopes.every((scope) => client.scopes.includes(scope))) {
      throw new InvalidScopeError();
    }
    return scopes;
  }

  /** The declared clients, in declaration order. */
  list(): ServiceClientSummary[] {
    return [...this.clients.values()].map(({ client, secretVariable, secretSet }) => ({
      clientId: client.id,
      scopes: client.scopes,
      secretVariable,
      secretSet,
    }));
  }

  /**
   * A fresh random secret for a declared client and the variable to set it in, for the operator
   * to configure in auth and in that service; it changes nothing here. Undefined for a client
   * SERVICE_CLIENTS does not declare.
   */
  newSecret(clientId: string): { variable: string; secret: string } | undefined {
    const registered = this.clients.get(clientId);
    return registered ? { variable: registered.secretVariable, secret: generateSecret() } : undefined;
  }

  /** Every scope some client may be granted, for the discovery document. */
  allScopes(): string[] {
    return [...new Set([...this.clients.values()].flatMap((c) => c.client.scopes))];
  }

  private digest(secret: string): Buffer {
    return createHmac('sha256', this.key).update(secret, 'utf8').digest();
  }
}
