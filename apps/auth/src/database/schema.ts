import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * The auth app's own tables. Changing this file means a new migration:
 * `npx drizzle-kit generate --config apps/auth/drizzle.config.ts --name <what-changed>`.
 */

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The address as the user typed it (trimmed), shown back to them; never used to match. */
    email: text('email').notNull(),
    /**
     * What accounts are matched by (database/email.ts, canonicalEmail): no two accounts share
     * one. Null only for an account older than the canonical form that it could not be given,
     * because an older account holds the same one or its address is now refused; such an
     * account cannot sign in until an operator resolves it (`users duplicates`).
     */
    canonicalEmail: text('canonical_email'),
    passwordHash: text('password_hash').notNull(),
    displayName: text('display_name'),
    roles: text('roles')
      .array()
      .notNull()
      .default(sql`ARRAY['user']::text[]`),
    disabled: boolean('disabled').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('users_email_unique').on(t.email),
    uniqueIndex('users_canonical_email_unique').on(t.canonicalEmail),
  ],
);

export const SIGNING_KEY_STATUSES = ['active', 'retired'] as const;
export type SigningKeyStatus = (typeof SIGNING_KEY_STATUSES)[number];

export const signingKeys = pgTable(
  'signing_keys',
  {
    /** RFC 7638 thumbprint of the public key. */
    kid: text('kid').primaryKey(),
    alg: text('alg').notNull(),
    /** The public JWK exactly as published (kty, key members, kid, alg, use). */
    publicJwk: jsonb('public_jwk').$type<Record<string, string>>().notNull(),
    /** PKCS#8 private key sealed with AES-256-GCM under AUTH_KEY_ENCRYPTION_KEY; see keys/key-encryption.ts. */
    privateKeyEnc: text('private_key_enc').notNull(),
    status: text('status').$type<SigningKeyStatus>().notNull().default('active'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('signing_keys_status_check', sql`${t.status} in ('active', 'retired')`),
    // At most one signing key: replicas booting together on an empty table cannot both win.
    uniqueIndex('signing_keys_one_active')
      .on(t.status)
      .where(sql`${t.status} = 'active'`),
  ],
);

/**
 * One login: the chain of refresh tokens rotated from it, each used once. Ending the
 * family ends the session; a user sees one entry per live family at `GET /auth/sessions`.
 */
export const sessionFamilies = pgTable(
  'session_families',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }).notNull(),
    /** No rotation extends a family past this (REFRESH_ABSOLUTE_SECONDS after login). */
    absoluteExpiresAt: timestamp('absolute_expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    /** logout, logout_all, password_changed, session_ended, reuse_detected, token_revoked, account_disabled. */
    revokedReason: text('revoked_reason'),
    userAgent: text('user_agent'),
    clientIp: text('client_ip'),
    /** The client the user signed in through: `tessera-web` (the console) or a registered relying party. */
    clientId: text('client_id').notNull().default('tessera-web'),
    /**
     * The scopes a relying party was granted (space-separated), which every token of the family
     * carries at most; null for the console, whose tokens carry what the roles grant.
     */
    scope: text('scope'),
    /** False for a third-party relying party, whose tokens never carry the admin role. */
    firstParty: boolean('first_party').notNull().default(true),
    /** The OpenID Provider's session this family was signed in with: its logout ends the family. */
    oidcSessionUid: text('oidc_session_uid'),
    /** The OpenID Provider's grant: a replayed authorization code ends the family. */
    oidcGrantId: text('oidc_grant_id'),
  },
  (t) => [
    index('session_families_user_id_idx').on(t.userId),
    index('session_families_oidc_session_uid_idx').on(t.oidcSessionUid),
    index('session_families_oidc_grant_id_idx').on(t.oidcGrantId),
  ],
);

/**
 * One row per issuance in a family: the refresh token (only its SHA-256) and the access token
 * issued with it, so every access token of a family can be found and revoked with it.
 */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    familyId: uuid('family_id')
      .notNull()
      .references(() => sessionFamilies.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Hex SHA-256 of the token; the token itself is never stored. */
    tokenHash: text('token_hash').notNull(),
    accessJti: text('access_jti').notNull(),
    accessExpiresAt: timestamp('access_expires_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    /** Set once, by the rotation that consumed the token; a second use is reuse. */
    usedAt: timestamp('used_at', { withTimezone: true }),
    /** Idle expiry: REFRESH_IDLE_SECONDS after issue, never past the family's absolute expiry. */
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('refresh_tokens_token_hash_unique').on(t.tokenHash),
    uniqueIndex('refresh_tokens_access_jti_unique').on(t.accessJti),
    index('refresh_tokens_family_id_idx').on(t.familyId),
  ],
);

/**
 * Failed-sign-in counters shared by every replica (README.md, "Sign-in limits"): one row per client
 * address (`ip:<addr>`), per account (`acct:<hex SHA-256 of the normalised email>`, so the
 * table holds no addresses and unknown emails count exactly like known ones) and per device
 * cookie (`dev:<nonce>`). Each change is one INSERT ... ON CONFLICT statement; see
 * abuse/login-attempts.service.ts.
 */
export const loginAttempts = pgTable(
  'login_attempts',
  {
    key: text('key').primaryKey(),
    /** Failed password checks in the current window (outcomes only, never attempts in progress). */
    failures: integer('failures').notNull(),
    windowStartedAt: timestamp('window_started_at', { withTimezone: true }).notNull(),
    /** Until then every attempt under this key is refused before any password hashing. */
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    /**
     * Password checks admitted and not finished yet: failures + inFlight never exceeds the limit,
     * so parallel guesses cannot overrun it. Counts only until inFlightUntil, so a process that
     * died mid-check costs the key its slots for that long, not for good.
     */
    inFlight: integer('in_flight').notNull().default(0),
    inFlightUntil: timestamp('in_flight_until', { withTimezone: true }),
  },
  (t) => [index('login_attempts_window_started_at_idx').on(t.windowStartedAt)],
);

/**
 * The relying parties an operator registered (`POST /admin/clients`, `clients add`): the clients
 * the OpenID Provider serves. `metadata` holds the validated RFC 7591 metadata exactly as
 * registered (clients/client-metadata.ts); the secret exists only as its hex SHA-256
 * (SECURITY.md, "Client secrets"). A removed client keeps its row with `deleted_at` set, so its
 * id is never issued again and the audit trail keeps naming something.
 */
export const oauthClients = pgTable(
  'oauth_clients',
  {
    clientId: text('client_id').primaryKey(),
    clientName: text('client_name').notNull(),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull(),
    /** Hex SHA-256 of the client secret; null for a public client (token_endpoint_auth_method none). */
    secretHash: text('secret_hash'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
  },
  (t) => [index('oauth_clients_created_at_idx').on(t.createdAt)],
);

/**
 * The OpenID Provider's own state (oidc-provider's adapter): sessions, interactions, grants and
 * authorization codes, each a JSON payload under its model's name. Rows past `expires_at` are
 * ignored and pruned.
 */
export const oidcPayloads = pgTable(
  'oidc_payloads',
  {
    kind: text('kind').notNull(),
    id: text('id').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    grantId: text('grant_id'),
    uid: text('uid'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    consumedAt: timestamp('consumed_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.kind, t.id] }),
    index('oidc_payloads_grant_id_idx').on(t.grantId),
    index('oidc_payloads_uid_idx').on(t.uid),
    index('oidc_payloads_expires_at_idx').on(t.expiresAt),
  ],
);

/** A user's consent to a third-party client, remembered across sessions: the scopes granted so far. */
export const oidcConsents = pgTable(
  'oidc_consents',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    clientId: text('client_id').notNull(),
    /** Space-separated. */
    scope: text('scope').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.clientId] })],
);

/**
 * Mail waiting to leave, written in the transaction of the change it tells the user about
 * (mail/mail-outbox.service.ts) and sent over SMTP by MailSender. The id is the message's
 * idempotency key and its Message-ID. A row is never deleted by sending: `sent_at` marks it
 * done, so no replica sends it again. `next_attempt_at` is when it may be tried next; while a
 * sender holds it, the end of that sender's lease. The bodies are stored because they are what
 * is sent (links with tokens included): this table is as sensitive as the tokens in it.
 */
export const mailOutbox = pgTable(
  'mail_outbox',
  {
    id: uuid('id').primaryKey(),
    /** Which message this is (`verify-email`, `password-reset`, ...), for logs and metrics. */
    template: text('template').notNull(),
    recipient: text('recipient').notNull(),
    subject: text('subject').notNull(),
    textBody: text('text_body').notNull(),
    htmlBody: text('html_body').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** Failed sends so far. */
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    /** The last failure's message (the SMTP server's answer or the network error), for operators. */
    lastError: text('last_error'),
  },
  (t) => [
    index('mail_outbox_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.sentAt} IS NULL`),
  ],
);

export type UserRow = typeof users.$inferSelect;
export type SigningKeyRow = typeof signingKeys.$inferSelect;
export type SessionFamilyRow = typeof sessionFamilies.$inferSelect;
export type RefreshTokenRow = typeof refreshTokens.$inferSelect;
export type LoginAttemptRow = typeof loginAttempts.$inferSelect;
export type OAuthClientRow = typeof oauthClients.$inferSelect;
export type OidcPayloadRow = typeof oidcPayloads.$inferSelect;
export type MailOutboxRow = typeof mailOutbox.$inferSelect;
