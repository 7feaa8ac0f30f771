import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { RevocationKeys } from '@tessera/auth';
import { Buckets, namespacedBucket, namespacedSubject, Streams } from '@tessera/contracts';
import { openDatabase } from '@tessera/platform';
import { deleteTestNamespace, testDatabaseTargets, testNamespace, testNatsUrl } from '@tessera/platform/testing';

import { runOperatorCli } from '../src/cli/operator-cli';
import * as schema from '../src/database/schema';

interface Run {
  code: number;
  out: string;
  err: string;
}

// README.md, "The operator CLI": `npm run tessera -- <command>` (keys: rotate, import; users; service
// clients; sessions), run for real against auth's database and NATS.
describe.each(testDatabaseTargets())('operator CLI on $name', (target) => {
  const namespace = testNamespace();
  let env: Record<string, string | undefined>;
  let dataDir: string;
  let drop: () => Promise<void>;
  let nc: NatsConnection;

  beforeAll(async () => {
    // Every command opens the database anew: PGlite's is a directory (the target's own), and on
    // PostgreSQL a directory still holds the development key-encryption key between commands.
    const database = await target.create();
    dataDir = database.url ? mkdtempSync(path.join(tmpdir(), 'tessera-cli-')) : database.dataDir;
    drop = database.drop;
    env = {
      NODE_ENV: 'test',
      NATS_URL: testNatsUrl(),
      NATS_NAMESPACE: namespace,
      AUTH_DATA_DIR: dataDir,
      AUTH_DATABASE_URL: database.url,
      SERVICE_CLIENT_SECRET_ORDERS: 'o'.repeat(40),
    };
    nc = await connect({ servers: testNatsUrl() });
  });

  afterAll(async () => {
    await deleteTestNamespace(nc, namespace);
    await nc.close();
    await drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function cli(args: string[], files: Record<string, string> = {}, extraEnv = {}): Promise<Run> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runOperatorCli(
      args,
      { ...env, ...extraEnv },
      {
        out: (t) => out.push(t),
        err: (t) => err.push(t),
        readFile: (p) => {
          const text = files[p];
          if (text === undefined) {
            throw Object.assign(new Error(`ENOENT: no such file ${p}`), { code: 'ENOENT' });
          }
          return text;
        },
      },
    );
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  async function json<T>(args: string[]): Promise<T> {
    const run = await cli(['--json', ...args]);
    expect(run).toMatchObject({ code: 0, err: '' });
    return JSON.parse(run.out) as T;
  }

  const published = async (kid: string) => {
    const kv = await new Kvm(nc).open(namespacedBucket(namespace, Buckets.Keys));
    const entry = await kv.get(kid);
    // A withdrawn key leaves a delete marker behind.
    return entry?.operation === 'PUT' ? entry.json<Record<string, unknown>>() : undefined;
  };

  it('rotates: the new key is published in tessera_keys and signs from then on', async () => {
    const first = await json<{ kid: string; status: string }[]>(['keys', 'list']);
    expect(first).toEqual([expect.objectContaining({ alg: 'RS256', status: 'active' })]);
    const rotated = await json<{ kid: string; alg: string }>(['keys', 'rotate']);
    expect(rotated.alg).toBe('RS256');
    expect(await published(rotated.kid)).toMatchObject({ kid: rotated.kid, alg: 'RS256', kty: 'RSA' });
    const after = await json<{ kid: string; status: string }[]>(['keys', 'list']);
    expect(after.map((k) => [k.kid, k.status])).toEqual([
      [first[0]?.kid, 'retired'],
      [rotated.kid, 'active'],
    ]);
  });

  it('imports a PEM and a JWK key, published and used exactly like a generated one', async () => {
    const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' });
    const fromPem = await cli(['keys', 'import', 'key.pem'], { 'key.pem': pem.toString() });
    expect(fromPem.code).toBe(0);
    expect(fromPem.out).toMatch(/^imported: now signing with RS256 key [A-Za-z0-9_-]{43}$/);
    const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    const es = await cli(
      ['--json', 'keys', 'import', 'key.json'],
      { 'key.json': JSON.stringify(jwk) },
      {
        AUTH_SIGNING_ALG: 'ES256',
      },
    );
    expect(es.code).toBe(0);
    const { kid } = JSON.parse(es.out) as { kid: string };
    expect(await published(kid)).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    expect(JSON.stringify(await published(kid))).not.toContain(String(jwk.d));
    const keys = await json<{ kid: string; status: string }[]>(['keys', 'list']);
    expect(keys.filter((k) => k.status === 'active').map((k) => k.kid)).toEqual([kid]);
  });

  it('withdraws a retired key after a compromise: gone from tessera_keys at once; the signing key is refused', async () => {
    const keys = await json<{ kid: string; status: string }[]>(['keys', 'list']);
    const retired = keys.find((k) => k.status === 'retired');
    const active = keys.find((k) => k.status === 'active');
    expect(await published(retired!.kid)).toBeDefined();
    const run = await cli(['keys', 'withdraw', retired!.kid]);
    expect(run).toMatchObject({ code: 0, err: '' });
    expect(await published(retired!.kid)).toBeUndefined();
    expect((await json<{ kid: string }[]>(['keys', 'list'])).map((k) => k.kid)).not.toContain(retired!.kid);
    const refused = await cli(['keys', 'withdraw', active!.kid]);
    expect(refused.code).toBe(1);
    expect(refused.err).toBe(
      `error: Key ${active!.kid} is the one signing tokens: rotate first (keys rotate), then withdraw it.`,
    );
  });

  it('reads a kid that begins with "-" (one thumbprint in 64 does) as the kid, not as an option', async () => {
    const run = await cli(['keys', 'withdraw', '-vtjz4_QfdECDAcjIGRcJ2FaKJpBiAQakBtojjZMuvc']);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/^error: .*-vtjz4_QfdECDAcjIGRcJ2FaKJpBiAQakBtojjZMuvc/);
    expect(run.err).not.toMatch(/unknown option/);
  });

  it('refuses a bad key file with a one-line reason and exit code 1, changing nothing', async () => {
    const before = await json<unknown[]>(['keys', 'list']);
    const run = await cli(['keys', 'import', 'bad.pem'], { 'bad.pem': 'not a key' }, { AUTH_SIGNING_ALG: 'ES256' });
    expect(run.code).toBe(1);
    expect(run.err).toBe(
      'error: The key cannot be imported: expected a PEM private key ("-----BEGIN PRIVATE KEY-----") or a private JWK.',
    );
    expect(await json<unknown[]>(['keys', 'list'])).toEqual(before);
  });

  it('lists the declared service clients and makes a fresh secret, never printing a configured one', async () => {
    const run = await cli(['clients', 'list']);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/orders\s+profile:read\s+SERVICE_CLIENT_SECRET_ORDERS\s+true/);
    expect(run.out).toMatch(/profile\s+orders:read\s+SERVICE_CLIENT_SECRET_PROFILE\s+false/);
    expect(run.out).not.toContain('o'.repeat(40));
    const fresh = await cli(['clients', 'new-secret', 'orders']);
    expect(fresh.out).toMatch(/^SERVICE_CLIENT_SECRET_ORDERS=[A-Za-z0-9_-]{43}\n/);
    expect((await cli(['clients', 'new-secret', 'billing'])).err).toBe(
      'error: no client "billing" is declared in SERVICE_CLIENTS',
    );
  });

  /** The audit records of `type` in this run's events stream, waiting up to ~5 s for `expected` of them. */
  async function auditRecords(type: string, expected: number): Promise<Record<string, unknown>[]> {
    const consumer = await jetstream(nc).consumers.get(namespacedBucket(namespace, Streams.Events), {
      filter_subjects: namespacedSubject(namespace, `auth.audit.${type}.v1`),
    });
    const records: Record<string, unknown>[] = [];
    const deadline = Date.now() + 5000;
    while (records.length < expected && Date.now() < deadline) {
      const message = await consumer.next({ expires: 1000 });
      if (message) {
        records.push(message.json<Record<string, unknown>>());
      }
    }
    await consumer.delete().catch(() => undefined);
    return records;
  }

  it('registers an application, lists it without its secret, removes it; audited as the operator', async () => {
    const added = await cli([
      'clients',
      'add',
      '--name',
      'Retirement planner',
      '--redirect-uri',
      'https://planner.example.com/callback',
      '--redirect-uri',
      'http://127.0.0.1:8080/callback',
      '--post-logout-redirect-uri',
      'https://planner.example.com/',
      '--grant',
      'authorization_code',
      '--grant',
      'refresh_token',
      '--scope',
      'openid profile',
      '--first-party',
    ]);
    expect(added).toMatchObject({ code: 0, err: '' });
    const [, id, secret] =
      /^registered confidential client "Retirement planner"\nclient_id: +([0-9a-f]{32})\nclient_secret: +([A-Za-z0-9_-]{43})\nThe secret is shown this once/.exec(
        added.out,
      ) ?? [];
    expect(id).toBeDefined();

    // Full RFC 7591 metadata from a file (standard input here), an option over one of its members.
    const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
    const metadata = {
      client_name: 'From a file',
      redirect_uris: ['com.example.app:/callback'],
      jwks: { keys: [{ ...jwk, use: 'enc', kid: 'enc-1' }] },
      id_token_encrypted_response_alg: 'RSA-OAEP-256',
      logo_uri: 'https://app.example.com/logo.png',
    };
    const fromFile = await cli(['--json', 'clients', 'add', '--metadata', '-', '--public', '--name', 'Mobile app'], {
      '-': JSON.stringify(metadata),
    });
    expect(fromFile).toMatchObject({ code: 0, err: '' });
    const mobile = JSON.parse(fromFile.out) as Record<string, unknown>;
    expect(mobile).toMatchObject({
      client_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      client_name: 'Mobile app',
      token_endpoint_auth_method: 'none',
      id_token_encrypted_response_alg: 'RSA-OAEP-256',
      id_token_encrypted_response_enc: 'A256GCM',
      jwks: { keys: [expect.objectContaining({ kid: 'enc-1', kty: 'RSA' })] },
    });
    expect(mobile).not.toHaveProperty('client_secret');
    expect(mobile).not.toHaveProperty('logo_uri');

    const listed = await cli(['clients', 'registered']);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/^client_id +client_name +type +first_party +redirect_uris +registered\n/);
    expect(listed.out).toMatch(
      new RegExp(
        `${id} +Retirement planner +confidential +true +https://planner\\.example\\.com/callback http://127\\.0\\.0\\.1:8080/callback +\\d{4}-`,
      ),
    );
    expect(listed.out).toMatch(new RegExp(`${String(mobile.client_id)} +Mobile app +public +false`));
    const asJson = await json<Record<string, unknown>[]>(['clients', 'registered']);
    expect(asJson.map((c) => c.client_id)).toEqual([id, mobile.client_id]);
    expect(asJson[0]).toMatchObject({ grant_types: ['authorization_code', 'refresh_token'], scope: 'openid profile' });
    for (const text of [listed.out, JSON.stringify(asJson)]) {
      expect(text).not.toContain(secret);
    }

    expect(await cli(['clients', 'remove', id])).toMatchObject({
      code: 0,
      out: `removed client ${id}: it can no longer sign anyone in`,
    });
    expect((await json<Record<string, unknown>[]>(['clients', 'registered'])).map((c) => c.client_id)).toEqual([
      mobile.client_id,
    ]);
    expect(await cli(['clients', 'remove', id])).toMatchObject({
      code: 2,
      err: `error: no registered client "${id}" (see clients registered)`,
    });

    const registered = await auditRecords('client_registered', 2);
    expect(registered).toEqual([
      expect.objectContaining({
        subject: 'operator',
        clientAddress: null,
        details: { clientId: id, clientName: 'Retirement planner' },
      }),
      expect.objectContaining({
        subject: 'operator',
        details: { clientId: mobile.client_id, clientName: 'Mobile app' },
      }),
    ]);
    expect(await auditRecords('client_removed', 1)).toEqual([
      expect.objectContaining({ subject: 'operator', details: { clientId: id, clientName: 'Retirement planner' } }),
    ]);
    expect(JSON.stringify(registered)).not.toContain(secret);
    // Nine commands, each opening the database and NATS: slow on a loaded machine.
  }, 30_000);

  it('refuses bad client metadata with exit code 2 and a one-line reason, registering nothing', async () => {
    const before = await json<unknown[]>(['clients', 'registered']);
    const cases: [string[], Record<string, string>, string][] = [
      [
        ['--redirect-uri', 'https://a.example.com/cb'],
        {},
        'error: --name is required (or client_name in the --metadata file)',
      ],
      [
        ['--name', 'A', '--redirect-uri', 'https://a.example.com/cb#top'],
        {},
        'error: invalid_redirect_uri: redirect_uris[0] must not have a fragment.',
      ],
      [
        ['--name', 'A'],
        {},
        'error: invalid_redirect_uri: redirect_uris is required with the authorization_code grant.',
      ],
      [
        ['--name', 'A', '--redirect-uri', 'https://a.example.com/cb', '--grant', 'client_credentials'],
        {},
        'error: invalid_client_metadata: client_credentials is for service clients: declare them in SERVICE_CLIENTS.',
      ],
      [
        ['--metadata', 'missing.json'],
        {},
        'error: cannot read --metadata "missing.json": ENOENT: no such file missing.json',
      ],
      [['--metadata', 'bad.json'], { 'bad.json': '{"client_name":' }, 'error: --metadata "bad.json" is not valid JSON'],
      [
        ['--metadata', 'list.json'],
        { 'list.json': '[]' },
        'error: --metadata "list.json" must hold a JSON object (RFC 7591 client metadata)',
      ],
    ];
    for (const [args, files, err] of cases) {
      expect({ args, ...(await cli(['clients', 'add', ...args], files)) }).toMatchObject({ args, code: 2, err });
    }
    expect((await cli(['clients', 'remove', 'not-a-client-id'])).code).toBe(2);
    expect(await json<unknown[]>(['clients', 'registered'])).toEqual(before);
  }, 30_000);

  it('prints no generated development secret: one the CLI made up would not be the one the app uses', async () => {
    const written: string[] = [];
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    let run: Run;
    try {
      run = await cli(['clients', 'list'], {}, { NODE_ENV: 'development' });
    } finally {
      stdout.mockRestore();
    }
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/profile\s+orders:read\s+SERVICE_CLIENT_SECRET_PROFILE\s+false/);
    expect([run.out, run.err, ...written].join('\n')).not.toMatch(/generated secret/);
  });

  it('creates an admin with the password from a file or standard input, never from the command line', async () => {
    const short = await cli(['users', 'create-admin', 'root@example.com', '--password-file', 'pw'], { pw: 'short\n' });
    expect(short).toMatchObject({ code: 2, err: 'error: password must be 12 to 128 characters long' });
    for (const [address, common] of [
      ['root@example.com', 'password1234'],
      ['root.admin@example.com', 'Root.Admin@example.com'],
    ]) {
      expect(
        await cli(['users', 'create-admin', address, '--password-file', '-'], { '-': `${common}\n` }),
      ).toMatchObject({
        code: 2,
        err: 'error: password is too common or too easy to guess (or it is the email address); choose another',
      });
    }
    const created = await cli(['--json', 'users', 'create-admin', 'root@EXAMPLE.com', '--password-file', '-'], {
      '-': 'a long admin passphrase\n',
    });
    expect(created.code).toBe(0);
    expect(JSON.parse(created.out)).toMatchObject({ email: 'root@EXAMPLE.com', roles: ['user', 'admin'] });
    expect(created.out).not.toContain('a long admin passphrase');
    const again = await cli(['users', 'create-admin', 'root@example.com', '--password-file', '-'], {
      '-': 'another long passphrase',
    });
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/^error: .*(already|taken)/i);
    expect((await cli(['users', 'create-admin', 'x@example.com'])).code).toBe(2);
  });

  it('answers usage mistakes with exit code 2 and says why', async () => {
    expect(await cli(['users', 'set-roles', 'x@example.com', 'admin,root'])).toMatchObject({
      code: 2,
      err: 'error: roles are a comma-separated list of user, admin',
    });
    expect(await cli(['users', 'disable', 'nobody@example.com'])).toMatchObject({
      code: 2,
      err: 'error: no user "nobody@example.com" (give an id or an email address)',
    });
    expect((await cli(['keys', 'rotate', '--alg', 'HS256'])).code).toBe(2);
    expect((await cli(['frobnicate'])).code).toBe(2);
  });

  it('refuses to start on an invalid configuration, listing the problem without a stack', async () => {
    const run = await cli(['keys', 'list'], {}, { AUTH_SIGNING_ALG: 'none' });
    expect(run.code).toBe(1);
    expect(run.err).toContain('AUTH_SIGNING_ALG: must be RS256, ES256 or HS256');
    expect(run.err).not.toMatch(/\n\s+at /);
  });

  it('manages users and sessions: roles, disable (every token revoked at once), enable, end-all', async () => {
    // An account as registration would leave it; the CLI never creates users.
    const handle = await openDatabase({
      url: env.AUTH_DATABASE_URL,
      dataDir,
      migrationsFolder: path.join(__dirname, '..', 'migrations'),
      schema,
    });
    const [user] = await handle.db
      .insert(schema.users)
      .values({ email: 'ada@example.com', passwordHash: 'not-a-hash', roles: ['user'] })
      .returning({ id: schema.users.id });
    await handle.close();

    const list = await json<{ id: string; email: string; roles: string[] }[]>(['users', 'list']);
    expect(list).toContainEqual(expect.objectContaining({ id: user?.id, email: 'ada@example.com', roles: ['user'] }));

    const revocations = await new Kvm(nc).open(namespacedBucket(namespace, Buckets.Revocations));
    const disabled = await cli(['users', 'disable', user.id]);
    expect(disabled).toMatchObject({ code: 0, err: '' });
    expect(disabled.out).toBe(`disabled: ada@example.com (${user?.id}) roles=user disabled=true`);
    // Before the command returned, every service could already refuse the user's tokens.
    expect((await revocations.get(RevocationKeys.subject(user.id)))?.json()).toEqual({
      before: expect.any(Number),
    });
    expect((await cli(['users', 'enable', 'ada@example.com'])).out).toContain('disabled=false');

    // Emails are matched as registration stores them: the domain is case-insensitive.
    const promoted = await cli(['users', 'set-roles', 'ada@EXAMPLE.com', 'user,admin']);
    expect(promoted).toMatchObject({ code: 0, err: '' });
    expect(promoted.out).toBe(`roles set: ada@example.com (${user?.id}) roles=user,admin disabled=false`);
    // The only admin cannot be disabled: someone must be able to administer.
    expect((await cli(['users', 'disable', 'root@example.com'])).code).toBe(0);
    const lastAdmin = await cli(['users', 'disable', 'ada@example.com']);
    expect(lastAdmin.code).toBe(1);
    expect(lastAdmin.err).toMatch(/^error: .*admin/);

    expect((await cli(['sessions', 'list', 'ada@example.com'])).out).toBe('no sessions');
    const ended = await cli(['sessions', 'end-all', 'ada@example.com']);
    expect(ended).toMatchObject({
      code: 0,
      out: 'ended 0 session(s) of ada@example.com; every token issued so far is revoked',
    });
    expect((await cli(['sessions', 'end', 'ada@example.com', '00000000-0000-4000-8000-000000000000'])).code).toBe(1);
  });
});
