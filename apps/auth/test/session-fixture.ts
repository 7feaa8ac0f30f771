import type { RevocationPublisher } from '@tessera/auth';
import type { DatabaseHandle, OutboxRelay } from '@tessera/platform';

import { AuditTrail } from '../src/audit/audit-trail.service';
import type { AuthConfig } from '../src/config/auth.config';
import { loadAuthConfig } from '../src/config/auth.config';
import type * as schema from '../src/database/schema';
import { users } from '../src/database/schema';
import { generateSigningKey } from '../src/keys/key-material';
import type { KeyService } from '../src/keys/key.service';
import { RefreshTokensService } from '../src/sessions/refresh-tokens.service';
import { SessionFamiliesService } from '../src/sessions/session-families.service';
import { TokenIssuer } from '../src/tokens/token-issuer.service';
import { openTestDatabase } from './test-database';

/** What a fake RevocationPublisher was asked to write, in order. */
export interface PublishedRevocations {
  jtis: { jti: string; exp: number }[];
  subjects: { sub: string; before?: number }[];
}

export interface SessionFixture {
  handle: DatabaseHandle<typeof schema>;
  config: AuthConfig;
  tokens: TokenIssuer;
  revocations: RevocationPublisher;
  published: PublishedRevocations;
  families: SessionFamiliesService;
  refresh: RefreshTokensService;
  /** Inserts a user row (no password hashing: these specs never log in with it). */
  audit: AuditTrail;
  createUser(roles?: string[]): Promise<{ id: string; roles: string[] }>;
  close(): Promise<void>;
}

/**
 * The refresh services on a fresh in-memory PGlite, signing real tokens, with a revocation
 * publisher that records instead of writing to NATS.
 */
export async function createSessionFixture(env: Record<string, string> = {}): Promise<SessionFixture> {
  const handle = await openTestDatabase();
  const config = loadAuthConfig({ AUTH_ISSUER: 'https://auth.tessera.test', ...env });
  const key = await generateSigningKey('RS256');
  const tokens = new TokenIssuer(config, { signingKey: () => key } as unknown as KeyService);
  const published: PublishedRevocations = { jtis: [], subjects: [] };
  const revocations = {
    revokeToken: async (jti: string, exp: number) => {
      published.jtis.push({ jti, exp });
    },
    revokeSubject: async (sub: string, before?: number) => {
      published.subjects.push({ sub, before });
    },
  } as unknown as RevocationPublisher;
  // The relay only publishes rows the transaction committed; specs read outbox_events instead.
  const outbox = { flush: () => undefined } as unknown as OutboxRelay;
  const families = new SessionFamiliesService(handle.db, revocations, outbox);
  const audit = new AuditTrail(handle.db, outbox);
  const refresh = new RefreshTokensService(handle.db, config, tokens, families, audit);
  let count = 0;
  return {
    handle,
    config,
    tokens,
    revocations,
    published,
    families,
    refresh,
    audit,
    createUser: async (roles = ['user']) => {
      const [user] = await handle.db
        .insert(users)
        .values({ email: `user${++count}@example.com`, passwordHash: 'not-a-hash', roles })
        .returning({ id: users.id, roles: users.roles });
      return user;
    },
    close: () => handle.close(),
  };
}
