import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import {
  type AppProcess,
  deleteTestNamespace,
  freePort,
  startAppProcess,
  startPrivateNatsServer,
  testNamespace,
  testNatsUrl,
} from '@tessera/platform/testing';
import { connect } from '@nats-io/transport-node';
import { parse, parseAllDocuments } from 'yaml';

/**
 * `npm run new-service` against a scratch copy of this repository (its files as they are, tracked
 * and new, with this node_modules): what it writes and wires, what it refuses without writing,
 * and that the service it makes passes lint, typecheck and its own tests, and serves its guarded
 * route to a real user's token from a real auth.
 */
const root = path.resolve(__dirname, '../..');
const NAME = 'billing';

let scratch: string;
const inScratch = (file: string) => path.join(scratch, file);
const read = (file: string) => readFileSync(inScratch(file), 'utf8');
const run = (command: string, args: string[]) =>
  spawnSync(command, args, {
    cwd: scratch,
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false', NO_COLOR: '1' },
  });
const newService = (...args: string[]) => run(process.execPath, ['scripts/new-service.mjs', ...args]);
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);
const git = (...args: string[]) => execFileSync('git', args, { cwd: scratch, encoding: 'utf8' });
/** Everything that differs from the scratch copy's first commit, contents included. */
const treeState = () => git('status', '--porcelain', '--untracked-files=all') + git('diff');

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'tessera-new-service-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root });
  // A file deleted in the working tree but still tracked is skipped (tar would fail on it).
  const list = files
    .toString('utf8')
    .split('\0')
    .filter((f) => f && existsSync(path.join(root, f)));
  execFileSync('sh', ['-c', `tar -cf - --null -T - | tar -xf - -C "${scratch}"`], {
    cwd: root,
    input: list.join('\0'),
  });
  symlinkSync(path.join(root, 'node_modules'), inScratch('node_modules'));
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.name=test', '-c', 'user.email=test@example.invalid', 'commit', '-q', '-m', 'scratch');
});

afterAll(() => {
  if (scratch) {
    rmSync(scratch, { recursive: true, force: true });
  }
});

describe('npm run new-service refuses', () => {
  it.each([
    ['a reserved name', 'auth', /"auth" is a reserved name/],
    ['another reserved name', 'platform', /"platform" is a reserved name/],
    ['an existing app', 'profile', /"profile" exists already \(apps\/profile\)/],
    ['upper case', 'Billing', /not a valid service name/],
    ['an underscore', 'bill_ing', /not a valid service name/],
    ['a leading digit', '9lives', /not a valid service name/],
    ['an end-to-end suffix', 'billing-e2e', /reserved name/],
  ])('%s with exit code 2, one line, and nothing written', (_what, name, message) => {
    const before = treeState();
    const result = newService(name);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
    expect(treeState()).toBe(before);
  });

  it('a name the services list already has, and no name at all', () => {
    const list = read('scripts/lib/services.json');
    const json = JSON.parse(list) as { services: object[] };
    json.services.push({ name: 'ghost', port: 3999, clusterPorts: [3999], serviceClient: false, env: {} });
    writeFileSync(inScratch('scripts/lib/services.json'), JSON.stringify(json));
    try {
      const before = treeState();
      const listed = newService('ghost');
      expect(listed.status).toBe(2);
      expect(listed.stderr).toMatch(/"ghost" is already listed in scripts\/lib\/services\.json/);
      expect(treeState()).toBe(before);
    } finally {
      writeFileSync(inScratch('scripts/lib/services.json'), list);
    }
    const none = newService();
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/expected one service name/);
    expect(treeState()).toBe('');
  });
  it('a name half wired by hand: a NATS user or a compose service of that name', () => {
    const conf = read('docker/nats/nats.conf');
    writeFileSync(inScratch('docker/nats/nats.conf'), conf.replace('user: orders', 'user: ledger'));
    try {
      const before = treeState();
      const result = newService('ledger');
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/"ledger" already has a NATS user in docker\/nats\/nats\.conf/);
      expect(treeState()).toBe(before);
    } finally {
      writeFileSync(inScratch('docker/nats/nats.conf'), conf);
    }
    const compose = read('docker-compose.yml');
    writeFileSync(inScratch('docker-compose.yml'), compose.replace(/^  orders:$/m, '  ledger:'));
    try {
      const result = newService('ledger');
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/"ledger" is already a service in docker-compose\.yml/);
    } finally {
      writeFileSync(inScratch('docker-compose.yml'), compose);
    }
    expect(treeState()).toBe('');
  });
});

describe(`npm run new-service -- ${NAME}`, () => {
  beforeAll(() => {
    const result = newService(NAME);
    if (result.status !== 0) {
      throw new Error(`new-service failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
    }
  });

  it('creates the app on the model of profile', () => {
    for (const file of [
      'project.json',
      'tsconfig.json',
      'jest.config.js',
      '.env.example',
      'drizzle.config.ts',
      'migrations/0000_init.sql',
      'migrations/meta/_journal.json',
      'migrations/meta/0000_snapshot.json',
      'src/main.ts',
      'src/app.ts',
      'src/app.module.ts',
      'src/config/billing.config.ts',
      'src/database/schema.ts',
      'src/billing/billing.controller.ts',
      'src/billing/billing.messages.ts',
      'src/billing/billing.service.ts',
      'src/billing/billing.service.spec.ts',
      'test/billing.e2e-spec.ts',
    ]) {
      expect(existsSync(inScratch(`apps/${NAME}/${file}`))).toBe(true);
    }
    expect(JSON.parse(read('apps/billing/project.json'))).toMatchObject({ name: NAME, tags: ['type:app'] });
    expect(read('apps/billing/src/config/billing.config.ts')).toContain(
      'class BillingConfig extends VerifyingServiceConfig',
    );
    expect(read('apps/billing/src/billing/billing.contract.ts')).toContain("ItemGet: 'billing.item.get.v1'");
    expect(read('apps/billing/.env.example')).toMatch(/^PORT=3004$/m);
  });

  it('lists it once for npm start and the cluster, on free ports, with a client of its own', () => {
    const { services } = JSON.parse(read('scripts/lib/services.json')) as {
      services: { name: string; port: number; clusterPorts: number[]; serviceClient: boolean }[];
    };
    expect(services.map((s) => s.name)).toEqual(['auth', 'orders', 'profile', NAME]);
    expect(services[3]).toEqual({ name: NAME, port: 3004, clusterPorts: [3131, 3132], serviceClient: true, env: {} });
    const help = run(process.execPath, ['scripts/cluster.mjs', '--help']);
    expect(help.stdout).toContain('--billing-ports <ports>');
    expect(help.stdout).toContain('billing-1, billing-2');
    const secrets = run(process.execPath, [
      '--input-type=module',
      '-e',
      "import { loadServices, serviceClientSecrets } from './scripts/lib/services.mjs'; console.log(JSON.stringify(serviceClientSecrets(loadServices(), {})))",
    ]);
    const pairs = JSON.parse(secrets.stdout) as Record<string, Record<string, string>>;
    expect(pairs.billing.SERVICE_CLIENT_SECRET).toBe(pairs.auth.SERVICE_CLIENT_SECRET_BILLING);
  });

  it('names it in the audiences of user tokens and declares its service client at auth', () => {
    const config = read('apps/auth/src/config/auth.config.ts');
    expect(config).toContain("ACCESS_TOKEN_AUDIENCE: string = 'auth,orders,profile,billing';");
    expect(config).toMatch(/SERVICE_CLIENTS: string = `orders=.*,billing=billing:read`;/);
    expect(read('apps/auth/.env.example')).toContain('# SERVICE_CLIENT_SECRET_BILLING=');
  });

  it('gives it a NATS user of its own, allowed only its subject and its inbox, that nats-server accepts', async () => {
    const conf = read('docker/nats/nats.conf');
    const user = /\{\s*user: billing\s*password: \$NATS_BILLING_PASSWORD[\s\S]*?\n {4}\}\n/.exec(conf)?.[0] ?? '';
    expect(user).toContain('subscribe: {\n          allow: ["_INBOX_billing.>", "billing.item.get.v1"]');
    // No other service's subjects or inboxes, and no writing into the key or revocation buckets.
    expect(user).not.toMatch(/"(auth|orders|profile)\.|"_INBOX_(auth|orders|profile)|"\$KV\./);
    expect(read('docker/nats/entrypoint.sh')).toMatch(/NATS_BILLING_PASSWORD=\$\(cat "\$dir\/nats_billing_password"\)/);

    // The file as docker-compose mounts it, with every password it reads.
    const variables = [...new Set([...conf.matchAll(/\$(NATS_[A-Z0-9_]+_PASSWORD)/g)].map((m) => m[1]))];
    expect(variables).toContain('NATS_BILLING_PASSWORD');
    const passwords = Object.fromEntries(variables.map((v) => [v, `p${randomBytes(16).toString('hex')}`]));
    const server = await startPrivateNatsServer({ configFile: inScratch('docker/nats/nats.conf'), env: passwords });
    try {
      const nc = await connect({ servers: server.url, user: NAME, pass: passwords.NATS_BILLING_PASSWORD });
      await nc.flush();
      await nc.close();
      await expect(connect({ servers: server.url, user: NAME, pass: 'pwrong' })).rejects.toThrow();
    } finally {
      await server.stop();
    }
  });

  it('adds a compose service, its secrets and a gateway port, and the compose check still passes', () => {
    const compose = parse(read('docker-compose.yml')) as {
      services: Record<string, { environment?: Record<string, string>; ports?: string[]; volumes?: string[] }>;
      volumes: Record<string, unknown>;
    };
    const env = compose.services.billing.environment!;
    expect(env).toMatchObject({ PORT: '3004', NATS_USER: NAME, NATS_INBOX_PREFIX: '_INBOX_billing' });
    expect(env.BILLING_DATABASE_URL_FILE).toBe('/run/secrets/tessera/database_url');
    expect(compose.services.auth.environment!.SERVICE_CLIENT_SECRET_BILLING_FILE).toBeDefined();
    expect(compose.services.gateway.ports).toContain('127.0.0.1:3004:3004');
    expect(compose.services.secrets.volumes).toContain('billing-secrets:/out/billing');
    expect(Object.keys(compose.volumes)).toContain('billing-secrets');
    expect(read('docker/secrets/generate.sh')).toContain(
      'put billing 1000 service_client_secret "$(s service_client_secret_billing)"',
    );
    expect(read('docker/gateway/Caddyfile')).toContain('dynamic a billing 3004');
    expect(read('docker/postgres-init.sql')).toContain('CREATE DATABASE billing;');
    const check = run(process.execPath, ['scripts/check-compose.mjs']);
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('wires it into deploy/k8s, which kubectl renders and tools/k8s passes, and into create-secrets.sh', () => {
    interface Manifest {
      kind: string;
      metadata: { name: string };
      spec: {
        replicas?: number;
        podSelector?: { matchExpressions?: { values: string[] }[] };
        rules?: { host: string; http: { paths: { backend: { service: { name: string } } }[] } }[];
        template?: {
          spec: {
            containers: {
              image: string;
              env: { name: string; value?: string }[];
              readinessProbe: { httpGet: { path: string } };
              livenessProbe: { httpGet: { path: string } };
              resources: { requests: Record<string, string>; limits: Record<string, string> };
            }[];
            volumes: { secret?: { secretName: string } }[];
          };
        };
      };
    }
    const render = (dir: string) => {
      const result = run('/usr/bin/kubectl', ['kustomize', dir]);
      expect(result.status).toBe(0);
      return parseAllDocuments(result.stdout).map((d) => d.toJS() as Manifest);
    };
    const get = (objects: Manifest[], kind: string, name: string) =>
      objects.find((o) => o.kind === kind && o.metadata.name === name);
    const base = render('deploy/k8s/base');
    const production = render('deploy/k8s/overlays/production');
    for (const objects of [base, production]) {
      const container = get(objects, 'Deployment', NAME)!.spec.template!.spec.containers[0];
      expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
      expect(container.livenessProbe.httpGet.path).toBe('/health/live');
      expect(container.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
      expect(container.resources.limits.memory).toBeDefined();
      expect(container.env).toEqual(
        expect.arrayContaining([
          { name: 'PORT', value: '3004' },
          { name: 'NATS_USER', value: NAME },
          { name: 'NATS_INBOX_PREFIX', value: '_INBOX_billing' },
          { name: 'BILLING_DATABASE_URL_FILE', value: '/run/secrets/tessera/database_url' },
        ]),
      );
      const secrets = get(objects, 'Deployment', NAME)!.spec.template!.spec.volumes.filter((v) => v.secret);
      expect(secrets.map((v) => v.secret!.secretName)).toEqual(['billing-secrets']);
      expect(get(objects, 'Service', NAME)).toBeDefined();
      expect(get(objects, 'HorizontalPodAutoscaler', NAME)).toBeDefined();
      expect(get(objects, 'PodDisruptionBudget', NAME)).toBeDefined();
      expect(get(objects, 'NetworkPolicy', 'apps-to-nats')!.spec.podSelector!.matchExpressions![0].values).toContain(
        NAME,
      );
      const auth = get(objects, 'Deployment', 'auth')!.spec.template!.spec.containers[0];
      expect(auth.env).toContainEqual({
        name: 'SERVICE_CLIENT_SECRET_BILLING_FILE',
        value: '/run/secrets/tessera/service_client_secret_billing',
      });
    }
    // Production: the same image tag as profile's, profile's sizes, a host of its own.
    const image = (name: string) => get(production, 'Deployment', name)!.spec.template!.spec.containers[0].image;
    expect(image(NAME)).toBe(image('profile').replace(/\/profile:/, '/billing:'));
    expect(get(production, 'Deployment', NAME)!.spec.replicas).toBe(
      get(production, 'Deployment', 'profile')!.spec.replicas,
    );
    expect(get(production, 'Ingress', 'tessera')!.spec.rules).toContainEqual(
      expect.objectContaining({
        host: 'billing.tessera.example.com',
        http: { paths: [expect.objectContaining({ backend: { service: { name: NAME, port: { name: 'http' } } } })] },
      }),
    );
    expect(read('deploy/k8s/base/nats/nats.conf')).toBe(read('docker/nats/nats.conf'));
    const createSecrets = read('deploy/k8s/create-secrets.sh');
    expect(createSecrets).toMatch(/^for name in AUTH_DATABASE_URL .*BILLING_DATABASE_URL; do$/m);
    expect(createSecrets).toMatch(/^secrets='nats-secrets .* billing-secrets'$/m);
    expect(createSecrets).toContain('write billing database_url "$BILLING_DATABASE_URL"');
    expect(createSecrets).toMatch(/^for app in nats .* billing; do$/m);

    // The scratch copy's own tools/k8s checks (services from its services.json, billing among
    // them): every rule on both renderings, create-secrets.sh with billing's URL, the broken copies.
    const k8s = run(bin('jest'), [
      '--config',
      'tools/k8s/jest.config.js',
      'tools/k8s/k8s.spec.ts',
      '--ci',
      '--verbose',
    ]);
    expect(k8s.stderr).toMatch(/Tests: +\d+ passed, \d+ total/);
    expect(k8s.stderr).toContain('sets every variable docker-compose.yml sets for billing');
    expect(k8s.status).toBe(0);
  });

  it('adds its port to the README', () => {
    const readme = read('README.md');
    expect(readme).toContain('  billing  http://localhost:3004');
    expect(readme).toMatch(/^\| `apps\/billing` +\| app, port 3004 \|/m);
    expect(readme).toMatch(/profile `3003`, billing `3004`/);
  });

  it('refuses the same name again, writing nothing', () => {
    const before = treeState();
    const again = newService(NAME);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/"billing" exists already/);
    expect(treeState()).toBe(before);
  });

  it('passes lint, typecheck and its own unit tests', () => {
    // The module-boundary rule reads the project graph: computed first, as `nx lint` would.
    expect(run(bin('nx'), ['show', 'projects']).stdout).toContain(NAME);
    const lint = run(bin('eslint'), [`apps/${NAME}`, '--max-warnings', '0']);
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.status).toBe(0);
    const tsc = run(bin('tsc'), ['-p', `apps/${NAME}/tsconfig.json`, '--noEmit']);
    expect(tsc.stdout).toBe('');
    expect(tsc.status).toBe(0);
    const jest = run(bin('jest'), ['--config', `apps/${NAME}/jest.config.js`, `apps/${NAME}/src`, '--ci']);
    expect(jest.stderr).toMatch(/Tests: +4 passed, 4 total/);
    expect(jest.status).toBe(0);
  });

  describe('built as nx builds it and started with auth', () => {
    const namespace = testNamespace();
    const processes: AppProcess[] = [];
    let authUrl: string;
    let billingUrl: string;
    let data: string | undefined;

    /** The build target's own commands (nx.json), for one project. */
    const build = (project: string) => {
      const nx = JSON.parse(read('nx.json')) as { targetDefaults: { build: { options: { commands: string[] } } } };
      for (const command of nx.targetDefaults.build.options.commands) {
        const line = command.replaceAll('{projectName}', project).replaceAll('{projectRoot}', `apps/${project}`);
        execFileSync('sh', ['-c', line], {
          cwd: scratch,
          env: { ...process.env, PATH: `${path.join(root, 'node_modules', '.bin')}:${process.env.PATH}` },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
      }
    };

    beforeAll(async () => {
      build('auth');
      build(NAME);
      const [authPort, billingPort] = [await freePort(), await freePort()];
      authUrl = `http://127.0.0.1:${authPort}`;
      billingUrl = `http://127.0.0.1:${billingPort}`;
      // The client secrets as npm start hands them out (scripts/lib/services.mjs).
      const secrets = JSON.parse(
        run(process.execPath, [
          '--input-type=module',
          '-e',
          "import { loadServices, serviceClientSecrets } from './scripts/lib/services.mjs'; console.log(JSON.stringify(serviceClientSecrets(loadServices(), {})))",
        ]).stdout,
      ) as Record<string, Record<string, string>>;
      data = mkdtempSync(path.join(tmpdir(), 'tessera-new-service-data-'));
      const common = {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        NATS_URL: testNatsUrl(),
        NATS_NAMESPACE: namespace,
        AUTH_ISSUER: authUrl,
      };
      processes.push(
        await startAppProcess({
          name: 'auth',
          args: [inScratch('dist/auth/apps/auth/src/main.js')],
          env: { ...common, ...secrets.auth, PORT: String(authPort), AUTH_DATA_DIR: path.join(data, 'auth') },
          url: authUrl,
        }),
      );
      processes.push(
        await startAppProcess({
          name: NAME,
          args: [inScratch(`dist/${NAME}/apps/${NAME}/src/main.js`)],
          env: {
            ...common,
            ...secrets[NAME],
            PORT: String(billingPort),
            BILLING_DATA_DIR: path.join(data, NAME),
            AUTH_JWKS_URL: `${authUrl}/.well-known/jwks.json`,
            AUTH_TOKEN_URL: `${authUrl}/oauth/token`,
          },
          url: billingUrl,
        }),
      );
    });

    afterAll(async () => {
      await Promise.all(processes.map((p) => p.stop()));
      const nc = await connect({ servers: testNatsUrl() });
      await deleteTestNamespace(nc, namespace);
      await nc.close();
      if (data) {
        rmSync(data, { recursive: true, force: true });
      }
    });

    it("answers a registered user's token with 200 and no token with 401", async () => {
      const user = { email: `ada-${namespace}@example.com`, password: 'correct-horse-battery-staple' };
      const json = { 'content-type': 'application/json' };
      const registered = await fetch(`${authUrl}/auth/register`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify(user),
      });
      expect(registered.status).toBe(201);
      const login = await fetch(`${authUrl}/auth/login`, { method: 'POST', headers: json, body: JSON.stringify(user) });
      expect(login.status).toBe(200);
      const { access_token: token } = (await login.json()) as { access_token: string };
      const bearer = { authorization: `Bearer ${token}` };

      const created = await fetch(`${billingUrl}/billing/items`, {
        method: 'POST',
        headers: { ...json, ...bearer },
        body: JSON.stringify({ title: 'first' }),
      });
      expect(created.status).toBe(201);
      const listed = await fetch(`${billingUrl}/billing/items`, { headers: bearer });
      expect(listed.status).toBe(200);
      expect(await listed.json()).toEqual({ items: [expect.objectContaining({ title: 'first' })] });

      const anonymous = await fetch(`${billingUrl}/billing/items`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer realm="tessera"/);
    });
  });
});

describe('npm run new-service -- gift-cards, a second service with a hyphenated name', () => {
  it('takes the next ports, names its variables with underscores and keeps the compose check passing', () => {
    const result = newService('gift-cards');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const { services } = JSON.parse(read('scripts/lib/services.json')) as {
      services: { name: string; port: number; clusterPorts: number[] }[];
    };
    expect(services.map((s) => [s.name, s.port, s.clusterPorts])).toEqual([
      ['auth', 3001, [3101]],
      ['orders', 3002, [3111, 3112]],
      ['profile', 3003, [3121, 3122]],
      [NAME, 3004, [3131, 3132]],
      ['gift-cards', 3005, [3141, 3142]],
    ]);
    expect(read('apps/gift-cards/src/config/gift-cards.config.ts')).toContain('GIFT_CARDS_DATABASE_URL?: string;');
    expect(read('apps/auth/src/config/auth.config.ts')).toContain("'auth,orders,profile,billing,gift-cards'");
    expect(read('docker/postgres-init.sql')).toContain('CREATE DATABASE "gift-cards";');
    const production = run('/usr/bin/kubectl', ['kustomize', 'deploy/k8s/overlays/production']);
    expect(production.status).toBe(0);
    expect(production.stdout).toContain('image: registry.example.com/tessera/gift-cards:');
    expect(read('deploy/k8s/create-secrets.sh')).toContain('write gift-cards database_url "$GIFT_CARDS_DATABASE_URL"');
    const check = run(process.execPath, ['scripts/check-compose.mjs']);
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});
