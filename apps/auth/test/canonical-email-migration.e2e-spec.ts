import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { TestDatabase } from '@tessera/platform/testing';
import { openDatabase } from '@tessera/platform';
import {
  deleteTestNamespace,
  testDatabaseTargets,
  testNamespace,
  testNatsUrl,
  testTempRoot,
} from '@tessera/platform/testing';
import { asc, sql } from 'drizzle-orm';

import type { UnresolvedAccounts } from '../src/accounts/users.service';
import { runOperatorCli } from '../src/cli/operator-cli';
import * as schema from '../src/database/schema';

const MIGRATIONS = path.join(__dirname, '..', 'migrations');

/** The migration folder as it was before the canonical email: 0000 to 0003 and their journal. */
function migrationsBeforeCanonicalEmail(): string {
  const dir = mkdtempSync(path.join(testTempRoot(), 'tessera-auth-migrations-'));
  mkdirSync(path.join(dir, 'meta'));
  const journal = JSON.parse(readFileSync(path.join(MIGRATIONS, 'meta', '_journal.json'), 'utf8')) as {
    entries: { idx: number; tag: string }[];
  };
  journal.entries = journal.entries.filter((e) => e.idx <= 3);
  expect(journal.entries.at(-1)?.tag).toBe('0003_login_attempts');
  for (const { tag } of journal.entries) {
    cpSync(path.join(MIGRATIONS, `${tag}.sql`), path.join(dir, `${tag}.sql`));
  }
  writeFileSync(path.join(dir, 'meta', '_journal.json'), JSON.stringify(journal));
  return dir;
}

// Accounts registered before the canonical email existed, some of them near-duplicates: the
// upgrade gives each its canonical form, oldest first, and merges or deletes none of them; the
// younger ones are reported by `users duplicates` for an operator to resolve.
describe.each(testDatabaseTargets())('migration to the canonical email on $name', (target) => {
  const namespace = testNamespace();
  let database: TestDatabase;
  let dataDir: string;
  let oldMigrations: string;
  let nc: NatsConnection;
  const seeded = [
    ['victim@example.test', '2026-01-01T00:00:00Z'],
    ['Victim@example.test', '2026-01-02T00:00:00Z'],
    ['"victim"@example.test', '2026-01-03T00:00:00Z'],
    ['VICTIM@example.test', '2026-01-04T00:00:00Z'],
    ['vic\u200Btim@example.test', '2026-01-05T00:00:00Z'],
    ['ada@example.com', '2026-01-06T00:00:00Z'],
  ] as const;

  beforeAll(async () => {
    database = await target.create();
    // On PostgreSQL a directory still holds the development key-encryption key between commands.
    dataDir = database.url ? mkdtempSync(path.join(testTempRoot(), 'tessera-cli-')) : database.dataDir;
    oldMigrations = migrationsBeforeCanonicalEmail();
    nc = await connect({ servers: testNatsUrl() });
    const old = await openDatabase({ url: database.url, dataDir, migrationsFolder: oldMigrations, schema });
    for (const [email, createdAt] of seeded) {
      await old.db.execute(
        sql`insert into users (email, password_hash, created_at) values (${email}, 'not-a-hash', ${createdAt}::timestamptz)`,
      );
    }
    await old.close();
  });

  afterAll(async () => {
    await deleteTestNamespace(nc, namespace);
    await nc.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(oldMigrations, { recursive: true, force: true });
  });

  async function duplicates(json: boolean): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const env = {
      NODE_ENV: 'test',
      NATS_URL: testNatsUrl(),
      NATS_NAMESPACE: namespace,
      AUTH_DATA_DIR: dataDir,
      AUTH_DATABASE_URL: database.url,
    };
    const args = [...(json ? ['--json'] : []), 'users', 'duplicates'];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t), readFile: () => '' };
    const code = await runOperatorCli(args, env, io);
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('reports the near-duplicates and the refused address, the oldest account signing in', async () => {
    const run = await duplicates(true);
    expect(run).toMatchObject({ code: 0, err: '' });
    const report = JSON.parse(run.out) as UnresolvedAccounts;
    expect(report.duplicates).toEqual([
      {
        canonicalEmail: 'victim@example.test',
        accounts: seeded.slice(0, 4).map(([email, createdAt], i) => ({
          id: expect.any(String),
          email,
          createdAt: new Date(createdAt).toISOString(),
          disabled: false,
          signsIn: i === 0,
        })),
      },
    ]);
    expect(report.refused).toEqual([expect.objectContaining({ email: 'vic\u200Btim@example.test', signsIn: false })]);

    const human = await duplicates(false);
    expect(human.code).toBe(0);
    for (const account of [...report.duplicates[0].accounts, ...report.refused]) {
      expect(human.out).toContain(account.id);
    }
  });

  it('merges and deletes nothing: every account is there, as typed, the oldest holding the canonical form', async () => {
    const handle = await openDatabase({ url: database.url, dataDir, migrationsFolder: MIGRATIONS, schema });
    try {
      const rows = await handle.db
        .select({ email: schema.users.email, canonical: schema.users.canonicalEmail })
        .from(schema.users)
        .orderBy(asc(schema.users.createdAt));
      expect(rows).toEqual([
        { email: 'victim@example.test', canonical: 'victim@example.test' },
        { email: 'Victim@example.test', canonical: null },
        { email: '"victim"@example.test', canonical: null },
        { email: 'VICTIM@example.test', canonical: null },
        { email: 'vic\u200Btim@example.test', canonical: null },
        { email: 'ada@example.com', canonical: 'ada@example.com' },
      ]);
    } finally {
      await handle.close();
    }
  });
});
