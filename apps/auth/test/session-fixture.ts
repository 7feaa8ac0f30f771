import { RevocationStore } from '@tessera/auth';
import type { DatabaseHandle, OutboxRelay } from '@tessera/platform';

import { AuditTrail } from '../src/audit/audit-trail.service';
import type { AuthConfig } from '../src/config/auth.config';
import { loadAuthConfig } from '../src/config/auth.config';
import type * as schema from '../src/database/schema';
import { users } from '../src/database/schema';
import { generateSigningKey } from '../src/keys/key-material';
import type { KeyService } from '../src/keys/key.service';
import type { Revocation } from '../src/revocations/revocation';
import { RevocationQueue } from '../src/revocations/revocation-queue.service';
import { RefreshTokensService } from '../src/sessions/refresh-tokens.service';
import { SessionFamiliesService } from '../src/sessions/session-families.service';
import { TokenIssuer } from '../src/tokens/token-issuer.service';
import { openTestDatabase } from './test-database';

/** What the revocation queue committed to the outbox, in order. */
export interface PublishedRevocations {
  jtis: { jti: string; exp: number }[];
  subjects: { sub: string; before: number }[];
}

/** The real queue (its rows land in outbox_events), noting what each commit carried. */
class RecordingRevocationQueue extends RevocationQueue {
  constructor(
    db: DatabaseHandle<typeof schema>['db'],
    outbox: OutboxRelay,
    private readonly published: PublishedRevocations,
  ) {
    super(db, outbox, new RevocationStore());
  }

  override committed(revocations: readonly Revocation[]): void {
    for (const r of revocations) {
      if ('jti' in r) {
        this.published.jtis.push({ jti: r.jti, exp: r.exp });
      } else {
        this.published.subjects.push({ sub: r.sub, before: r.before });
      }
    }
    super.committed(revocations);
  }
}

export interface SessionFixture {
  handle: DatabaseHandle<typeof schema>;
  config: AuthConfig;
  tokens: TokenIssuer;
  revocations: RevocationQueue;
  published: PublishedRevocations;
  families: SessionFamiliesService;
  refresh: RefreshTokensService;
  /** Inserts a user row (no password hashing: these specs never log in with it). */
  audit: AuditTrail;
  createUser(roles?: string[]): Promise<{ id: string; roles: string[] }>;
  close(): Promise<void>;
}

/**
 * The refresh services on a fresh in-memory PGlite, signing real tokens, with the revocation
 * queue writing to the outbox table (no relay runs: nothing reaches NATS) and noting each commit.
 */
export async function createSessionFixture(
  env: Record<string, string> = {},
  // The relay only publishes rows the transaction committed; specs read outbox_events instead.
  outbox = { flush: () => undefined } as unknown as OutboxRelay,
): Promise<SessionFixture> {
  const handle = await openTestDatabase();
  const config = loadAuthConfig({ AUTH_ISSUER: 'https://auth.tessera.test', ...env });
  const key = await generateSigningKey('RS256');
  const tokens = new TokenIssuer(config, { signingKey: () => key } as unknown as KeyService);
  const published: PublishedRevocations = { jtis: [], subjects: [] };
  const revocations = new RecordingRevocationQueue(handle.db, outbox, published);
  const families = new SessionFamiliesService(handle.db, revocations);
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
