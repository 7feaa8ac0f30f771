import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
/** The apps (scripts/lib/services.json): auth, orders, profile and any `npm run new-service` added. */
const SERVICES = (
  JSON.parse(readFileSync(path.join(root, 'scripts/lib/services.json'), 'utf8')) as {
    services: { name: string; serviceClient: boolean }[];
  }
).services;
const APPS = SERVICES.map((s) => s.name);
/** The services with an OAuth client of their own at auth. */
const CLIENTS = SERVICES.filter((s) => s.serviceClient).map((s) => s.name);
const upper = (name: string) => name.toUpperCase().replace(/-/g, '_');

describe('scripts/check-compose.mjs', () => {
  const check = (file?: string) =>
    spawnSync(process.execPath, ['scripts/check-compose.mjs', ...(file ? [file] : [])], {
      cwd: root,
      encoding: 'utf8',
    });

  it('passes docker-compose.yml as it is', () => {
    const result = check();
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^docker-compose\.yml: OK \(\d+ services\)/);
    expect(result.status).toBe(0);
  });

  it('fails a file with a single orders instance, a secret outside its volume and an unset interpolation', () => {
    const original = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
    const broken = original
      .replace(/replicas: 2/, 'replicas: 1')
      .replace('ORDERS_DATABASE_URL_FILE: /run/secrets/tessera/database_url', 'ORDERS_DATABASE_URL_FILE: /etc/db_url')
      .replace('${LOG_LEVEL:-info}', '${LOGLEVEL:-info}');
    expect(broken).not.toBe(original);
    // Beside the original, so that its bind mounts and the root .env.example resolve the same.
    const file = path.join(root, `docker-compose.check-${process.pid}.yml`);
    writeFileSync(file, broken);
    try {
      const result = check(file);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('services.orders: runs 1 instance(s); the local cluster runs 2');
      expect(result.stderr).toContain(
        'services.orders.environment.ORDERS_DATABASE_URL_FILE: /etc/db_url is not under a volume mounted into orders',
      );
      expect(result.stderr).toContain('reads ${LOGLEVEL}, but .env.example gives it no value');
    } finally {
      rmSync(file, { force: true });
    }
  });
});

describe('docker/secrets/generate.sh (the one-shot secrets service)', () => {
  let dir: string;
  const run = () =>
    execFileSync('sh', [path.join(root, 'docker/secrets/generate.sh')], {
      env: { PATH: process.env.PATH ?? '', STATE_DIR: `${dir}/state`, OUT_DIR: `${dir}/out` },
      encoding: 'utf8',
    });
  const read = (service: string, name: string) => readFileSync(path.join(dir, 'out', service, name), 'utf8');
  const files = (service: string) => readdirSync(path.join(dir, 'out', service)).sort();

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tessera-secrets-'));
    run();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives each service only its own secrets, readable by their owner only', () => {
    expect(APPS.slice(0, 3)).toEqual(['auth', 'orders', 'profile']);
    expect(files('nats')).toEqual(APPS.map((app) => `nats_${app}_password`).sort());
    expect(files('postgres')).toEqual(['postgres_password']);
    expect(files('auth')).toEqual(
      [
        'admin_password',
        'database_url',
        'key_encryption_key',
        'nats_password',
        ...CLIENTS.map((client) => `service_client_secret_${client}`),
      ].sort(),
    );
    for (const app of APPS.filter((a) => a !== 'auth')) {
      expect(files(app)).toEqual(['database_url', 'nats_password', 'service_client_secret']);
    }
    for (const service of ['nats', 'postgres', ...APPS]) {
      for (const name of files(service)) {
        expect((statSync(path.join(dir, 'out', service, name)).mode & 0o777).toString(8)).toBe('400');
      }
    }
  });

  it('writes values the apps and servers accept, and the pairs that must match do', () => {
    for (const app of APPS) {
      // docker/nats/nats.conf and the apps' NATS_PASSWORD rule: a letter, then letters and digits.
      expect(read(app, 'nats_password')).toMatch(/^p[0-9a-f]{64}$/);
      expect(read(app, 'nats_password')).toBe(read('nats', `nats_${app}_password`));
      expect(read(app, 'database_url')).toBe(
        `postgres://tessera:${read('postgres', 'postgres_password')}@postgres:5432/${app}`,
      );
    }
    expect(Buffer.from(read('auth', 'key_encryption_key'), 'base64')).toHaveLength(32);
    expect(read('auth', 'admin_password')).toMatch(/^[0-9a-f]{32}$/);
    for (const client of CLIENTS) {
      expect(read(client, 'service_client_secret')).toBe(read('auth', `service_client_secret_${client}`));
    }
    const secrets = CLIENTS.map((client) => read(client, 'service_client_secret'));
    expect(new Set(secrets).size).toBe(CLIENTS.length);
  });

  it('keeps every secret on the next start', () => {
    const before = [...APPS, 'nats', 'postgres'].map((s) => files(s).map((f) => read(s, f)));
    expect(run()).not.toContain('created');
    const after = [...APPS, 'nats', 'postgres'].map((s) => files(s).map((f) => read(s, f)));
    expect(after).toEqual(before);
  });

  it('feeds docker/nats/entrypoint.sh, which hands the passwords to nats-server in its environment', () => {
    const bin = path.join(dir, 'bin');
    execFileSync('mkdir', ['-p', bin]);
    // A stand-in nats-server: prints what it was given.
    writeFileSync(path.join(bin, 'nats-server'), '#!/bin/sh\necho "args=$*"\nenv | grep ^NATS_ | sort\n');
    chmodSync(path.join(bin, 'nats-server'), 0o755);
    const out = execFileSync('sh', [path.join(root, 'docker/nats/entrypoint.sh'), '-c', '/etc/nats/nats.conf'], {
      env: { PATH: `${bin}:${process.env.PATH ?? ''}`, SECRETS_DIR: path.join(dir, 'out', 'nats') },
      encoding: 'utf8',
    });
    const [args, ...environment] = out.split('\n').filter(Boolean);
    expect(args).toBe('args=-c /etc/nats/nats.conf');
    expect(environment.sort()).toEqual(
      APPS.map((app) => `NATS_${upper(app)}_PASSWORD=${read('nats', `nats_${app}_password`)}`).sort(),
    );
  });
});
