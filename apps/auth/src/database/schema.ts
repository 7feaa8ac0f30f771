import { sql } from 'drizzle-orm';
import { boolean, check, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

/**
 * The auth app's own tables. Changing this file means a new migration:
 * `npx drizzle-kit generate --config apps/auth/drizzle.config.ts --name <what-changed>`.
 */

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Normalised (trimmed, domain lower-cased) before it gets here; see users/email.ts. */
    email: text('email').notNull(),
    passwordHash: text('password_hash').notNull(),
    displayName: text('display_name'),
    roles: text('roles')
      .array()
      .notNull()
      .default(sql`ARRAY['user']::text[]`),
    disabled: boolean('disabled').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('users_email_unique').on(t.email)],
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

export type UserRow = typeof users.$inferSelect;
export type SigningKeyRow = typeof signingKeys.$inferSelect;
