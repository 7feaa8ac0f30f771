import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

import { Inject, Injectable, Optional } from '@nestjs/common';
import { DATABASE, OutboxRelay } from '@tessera/platform';
import { and, asc, eq, isNull } from 'drizzle-orm';

import type { AuditEntry } from '../audit/audit-trail.service';
import { AuditTrail } from '../audit/audit-trail.service';
import type { AuthDatabase } from '../database/auth-database';
import type { OAuthClientRow } from '../database/schema';
import { oauthClients, oidcConsents } from '../database/schema';
import { SessionFamiliesService } from '../sessions/session-families.service';
import type { ClientMetadata } from './client-metadata';
import { CLIENT_ID_PATTERN } from './client-metadata';
import { ClientNotFoundError } from './clients.errors';
import { parseClientMetadata } from './parse-client-metadata';
import type { RedirectUriPolicy } from './redirect-uri';

/** A registered client as an admin and the provider see it: never its secret nor the hash. */
export interface RegisteredClient extends ClientMetadata {
  client_id: string;
  /** Seconds since the epoch (RFC 7591 §3.2.1). */
  client_id_issued_at: number;
}

/** The registration answer (RFC 7591 §3.2.1): a confidential client's secret, this once. */
export interface ClientRegistration extends RegisteredClient {
  client_secret?: string;
  /** 0: the secret does not expire. */
  client_secret_expires_at?: number;
}

/** Who registers or removes a client, as the audit trail names them: an admin's id, or `operator` for the CLI. */
export type ClientActor = Pick<AuditEntry, 'subject' | 'clientAddress'>;

/** The database, or a transaction on it. */
type Executor = Pick<AuthDatabase, 'insert' | 'update'>;

/** The hex SHA-256 stored for a secret; see the service's comment for why not argon2id. */
function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

function toView(row: OAuthClientRow): RegisteredClient {
  return {
    ...(row.metadata as unknown as ClientMetadata),
    client_id: row.clientId,
    client_id_issued_at: Math.floor(row.createdAt.getTime() / 1000),
  };
}

/**
 * The registry of relying parties (`/admin/clients`, `clients add|registered|remove`), which the
 * OpenID Provider reads by id.
 *
 * Secrets are 256 random bits generated here, stored as one SHA-256, not argon2id: a slow hash
 * defends low-entropy passwords, while guessing a 256-bit value is infeasible however fast each
 * guess is, and argon2id would cost every token request tens of milliseconds and memory an
 * attacker can spend (the same reasoning as sessions/refresh-token.ts). A database leak yields
 * no secret that can be presented.
 */
@Injectable()
export class OAuthClientsService {
  constructor(
    @Inject(DATABASE) private readonly db: AuthDatabase,
    @Optional() private readonly audit?: AuditTrail,
    @Optional() private readonly outbox?: OutboxRelay,
    @Optional() private readonly families?: SessionFamiliesService,
  ) {}

  /** Validates `input` (RFC 7591 metadata) and registers it; ClientMetadataError when it is refused. */
  async register(input: unknown, policy: RedirectUriPolicy): Promise<ClientRegistration> {
    return this.insert(this.db, await parseClientMetadata(input, policy));
  }

  /**
   * `register` on behalf of `actor` (`POST /admin/clients`, `clients add`), recording
   * `client_registered` in the same transaction: the trail names the id and the name, never the secret.
   */
  async registerBy(actor: ClientActor, input: unknown, policy: RedirectUriPolicy): Promise<ClientRegistration> {
    const metadata = await parseClientMetadata(input, policy);
    const registration = await this.db.transaction(async (tx) => {
      const registered = await this.insert(tx, metadata);
      await this.auditTrail().record(
        'client_registered',
        { ...actor, details: { clientId: registered.client_id, clientName: registered.client_name } },
        tx,
      );
      return registered;
    });
    // The audit record committed with the client: publish it now rather than at the next poll.
    this.outbox?.flush();
    return registration;
  }

  private async insert(db: Executor, metadata: ClientMetadata): Promise<ClientRegistration> {
    // 128 random bits, hex: URL-safe, and never begins with "-" on a command line.
    const clientId = randomBytes(16).toString('hex');
    const confidential = metadata.token_endpoint_auth_method !== 'none';
    const secret = confidential ? randomBytes(32).toString('base64url') : undefined;
    const [row] = await db
      .insert(oauthClients)
      .values({
        clientId,
        clientName: metadata.client_name,
        metadata: metadata as unknown as Record<string, unknown>,
        secretHash: secret === undefined ? null : hashSecret(secret),
      })
      .returning();
    const view = toView(row);
    return secret === undefined ? view : { ...view, client_secret: secret, client_secret_expires_at: 0 };
  }

  /** Every client not removed, oldest first. */
  async list(): Promise<RegisteredClient[]> {
    const rows = await this.db
      .select()
      .from(oauthClients)
      .where(isNull(oauthClients.deletedAt))
      .orderBy(asc(oauthClients.createdAt), asc(oauthClients.clientId));
    return rows.map(toView);
  }

  /** The client, or undefined when unknown or removed: what the provider's Client find(id) returns. */
  async find(clientId: string): Promise<RegisteredClient | undefined> {
    const row = await this.row(clientId);
    return row ? toView(row) : undefined;
  }

  async get(clientId: string): Promise<RegisteredClient> {
    const client = await this.find(clientId);
    if (!client) {
      throw new ClientNotFoundError();
    }
    return client;
  }

  /** True only when `secret` is the secret of the confidential client `clientId`, compared in constant time. */
  async authenticate(clientId: string, secret: string): Promise<boolean> {
    const row = await this.row(clientId);
    const expected = Buffer.from(row?.secretHash ?? hashSecret(randomBytes(32).toString('base64url')), 'hex');
    const matches = timingSafeEqual(Buffer.from(hashSecret(secret), 'hex'), expected);
    return typeof row?.secretHash === 'string' && matches;
  }

  /** Removes the client; its id is kept so it is never issued again. ClientNotFoundError when unknown or removed. */
  async remove(clientId: string): Promise<void> {
    await this.markRemoved(this.db, clientId);
  }

  /** `remove` on behalf of `actor`, recording `client_removed` in the same transaction. */
  async removeBy(actor: ClientActor, clientId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const clientName = await this.markRemoved(tx, clientId);
      await tx.delete(oidcConsents).where(eq(oidcConsents.clientId, clientId));
      await this.auditTrail().record('client_removed', { ...actor, details: { clientId, clientName } }, tx);
    });
    // Once removed it can sign nobody in; what it already holds ends too: its users' sessions
    // with it and their access tokens (revoked by jti), and the provider's grants to it.
    await this.families?.revokeClientFamilies(clientId);
    this.outbox?.flush();
  }

  /** The removed client's name; ClientNotFoundError when it is unknown or already removed. */
  private async markRemoved(db: Executor, clientId: string): Promise<string> {
    if (!CLIENT_ID_PATTERN.test(clientId)) {
      throw new ClientNotFoundError();
    }
    const [removed] = await db
      .update(oauthClients)
      .set({ deletedAt: new Date() })
      .where(and(eq(oauthClients.clientId, clientId), isNull(oauthClients.deletedAt)))
      .returning({ clientName: oauthClients.clientName });
    if (!removed) {
      throw new ClientNotFoundError();
    }
    return removed.clientName;
  }

  /** The audited methods run only where the audit trail is: a change must never go unrecorded. */
  private auditTrail(): AuditTrail {
    if (!this.audit) {
      throw new Error('OAuthClientsService: the audit trail (AuditModule) is not available');
    }
    return this.audit;
  }

  private async row(clientId: string): Promise<OAuthClientRow | undefined> {
    // Ids are 32 hex characters; anything else is never looked up.
    if (!CLIENT_ID_PATTERN.test(clientId)) {
      return undefined;
    }
    const [row] = await this.db
      .select()
      .from(oauthClients)
      .where(and(eq(oauthClients.clientId, clientId), isNull(oauthClients.deletedAt)))
      .limit(1);
    return row;
  }
}
