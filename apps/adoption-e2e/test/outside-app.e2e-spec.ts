import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { eventually, freePort, REPO_ROOT, testDatabaseTargets, TestSystem } from '@tessera/platform/testing';

const ISSUER = 'http://auth.outside.test';
const PASSWORD = 'correct horse battery staple';
const SUBJECT = `billing.${randomUUID().slice(0, 8)}.invoice.get.v1`;
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'billing', 'main.ts');

const rootManifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const pinned = (name: string): string => {
  const version = rootManifest.dependencies[name] ?? rootManifest.devDependencies[name];
  if (!version) {
    throw new Error(`${name} is not pinned in package.json`);
  }
  return version;
};

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

function tampered(jwt: string): string {
  return jwt.slice(0, -1) + (jwt.endsWith('A') ? 'B' : 'A');
}

/** The lines of the service that are Tessera's: what a team writes to adopt it. */
function tesseraLines(source: string): string[] {
  return source
    .split('\n')
    .filter((line) => /@tessera\/|AuthModule|@CurrentUser|@Roles|@Scopes|@Public|Principal/.test(line));
}

// The packed libraries in a brand-new NestJS project outside the workspace: `npm run pack`,
// `npm install` of the tarballs (and of NestJS, from the registry), a strict TypeScript
// compile, then the service runs as a process of its own against a real auth and real NATS.
describe('a NestJS service outside the workspace, guarded by the packed @tessera/auth', () => {
  const system = new TestSystem(testDatabaseTargets()[0], { adminEmail: 'admin@outside.test' });
  let project: string;
  let packages: string;
  let authUrl: string;
  let billingUrl: string;
  let billing: ChildProcess | undefined;
  const output: string[] = [];
  let nc: NatsConnection;

  async function login(email: string, password: string): Promise<string> {
    const res = await fetch(`${authUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  async function newUser(): Promise<{ id: string; token: string }> {
    const email = `ada-${randomUUID()}@outside.test`;
    const res = await fetch(`${authUrl}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    return { id, token: await login(email, PASSWORD) };
  }

  const get = (route: string, token?: string) =>
    fetch(`${billingUrl}${route}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  beforeAll(async () => {
    project = mkdtempSync(path.join(tmpdir(), 'tessera-outside-'));
    packages = mkdtempSync(path.join(tmpdir(), 'tessera-packed-'));
    const packed = JSON.parse(run(process.execPath, ['scripts/pack.mjs', '--out', packages, '--json'], REPO_ROOT)) as {
      name: string;
      tarball: string;
    }[];
    const tarball = (name: string) => `file:${packed.find((p) => p.name === name)!.tarball}`;
    writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({
        name: 'billing',
        private: true,
        dependencies: {
          '@tessera/auth': tarball('@tessera/auth'),
          '@tessera/platform': tarball('@tessera/platform'),
          '@tessera/contracts': tarball('@tessera/contracts'),
          ...Object.fromEntries(
            [
              '@nestjs/common',
              '@nestjs/core',
              '@nestjs/microservices',
              '@nestjs/platform-fastify',
              '@nats-io/transport-node',
              'reflect-metadata',
              'rxjs',
            ].map((name) => [name, pinned(name)]),
          ),
        },
        devDependencies: { '@types/node': pinned('@types/node'), typescript: pinned('typescript') },
      }),
    );
    run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', '--loglevel=error'],
      project,
    );
    copyFileSync(FIXTURE, path.join(project, 'main.ts'));
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noUnusedLocals: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2023',
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
          skipLibCheck: true,
          outDir: 'dist',
          types: ['node'],
        },
        files: ['main.ts'],
      }),
    );
    // The project's own TypeScript, from the registry, as the team would run it.
    run(process.execPath, [path.join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], project);

    const port = await freePort();
    authUrl = `http://127.0.0.1:${port}`;
    const env = system.environment({ ports: { auth: port, orders: 0, profile: 0 }, issuer: ISSUER, authUrl });
    await system.startInProcess(
      'auth',
      { ...env.auth, ...(await system.database('auth')), ACCESS_TOKEN_AUDIENCE: 'auth,orders,profile,billing' },
      { logger: false },
    );
    nc = await connect({ servers: system.natsUrl });

    const billingPort = await freePort();
    billingUrl = `http://127.0.0.1:${billingPort}`;
    billing = spawn(process.execPath, ['dist/main.js'], {
      cwd: project,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        PORT: String(billingPort),
        AUTH_ISSUER: ISSUER,
        AUTH_JWKS_URL: `${authUrl}/.well-known/jwks.json`,
        NATS_URL: system.natsUrl,
        ...(system.namespace ? { NATS_NAMESPACE: system.namespace } : {}),
        BILLING_SUBJECT: SUBJECT,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    billing.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
    billing.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
    await eventually(async () => {
      if (billing?.exitCode !== null) {
        throw new Error(`billing exited with ${billing?.exitCode}:\n${output.join('')}`);
      }
      return (await get('/invoices').catch(() => undefined))?.status === 401;
    }, 60_000);
  }, 300_000);

  afterAll(async () => {
    if (billing && billing.exitCode === null) {
      const exited = new Promise((resolve) => billing!.once('exit', resolve));
      billing.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (billing.exitCode === null) {
        billing.kill('SIGKILL');
      }
    }
    await nc?.close();
    await system.close();
    rmSync(project, { recursive: true, force: true });
    rmSync(packages, { recursive: true, force: true });
  });

  it('takes fewer than ten lines of Tessera code, and the installed @tessera/auth is the packed one', () => {
    const lines = tesseraLines(readFileSync(FIXTURE, 'utf8'));
    expect(lines.length).toBeLessThan(10);
    expect(lines.some((l) => l.includes('AuthModule.forRoot('))).toBe(true);
    const installed = JSON.parse(
      readFileSync(path.join(project, 'node_modules', '@tessera', 'auth', 'package.json'), 'utf8'),
    ) as { main: string };
    expect(installed.main).toBe('./dist/index.js');
  });

  it("accepts a user's token, refuses missing and forged tokens with the challenge, and enforces roles", async () => {
    const user = await newUser();
    const ok = await get('/invoices', user.token);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ sub: user.id });

    const missing = await get('/invoices');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
    expect(await missing.json()).toMatchObject({ code: 'missing_token' });

    const forged = await get('/invoices', tampered(user.token));
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);

    expect((await get('/invoices/admin', user.token)).status).toBe(403);
    const admin = await login(system.admin.email, system.admin.password);
    expect((await get('/invoices/admin', admin)).status).toBe(200);
  });

  it('guards its NATS handler', async () => {
    const user = await newUser();
    const call = async (token?: string) => {
      const h = natsHeaders();
      if (token) {
        h.set('authorization', `Bearer ${token}`);
      }
      const reply = await nc.request(SUBJECT, JSON.stringify({ pattern: SUBJECT, data: {}, id: randomUUID() }), {
        timeout: 5000,
        headers: h,
      });
      return reply.json<unknown>();
    };
    expect(await call()).toMatchObject({ err: { status: 401, code: 'missing_token' } });
    expect(await call(tampered(user.token))).toMatchObject({ err: { status: 401 } });
    expect(await call(user.token)).toMatchObject({ response: { sub: user.id } });
  });

  it('refuses a token within seconds of its logout at auth', async () => {
    const user = await newUser();
    expect((await get('/invoices', user.token)).status).toBe(200);
    const logout = await fetch(`${authUrl}/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}` },
    });
    expect(logout.status).toBe(204);
    const start = Date.now();
    await eventually(async () => (await get('/invoices', user.token)).status === 401, 5000);
    expect(Date.now() - start).toBeLessThan(5000);
  });
});
