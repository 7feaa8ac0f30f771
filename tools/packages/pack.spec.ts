import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const rootManifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  version: string;
  devDependencies: Record<string, string>;
};

interface Packed {
  name: string;
  version: string;
  tarball: string;
  files: string[];
}

interface Manifest {
  name: string;
  version: string;
  main: string;
  types: string;
  exports: Record<string, unknown>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
}

const NAMES = ['@tessera/contracts', '@tessera/platform', '@tessera/auth', '@tessera/client'];

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

/** The package.json inside a tarball, as a consumer's npm reads it. */
function manifestOf(tarball: string): Manifest {
  return JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json'], root)) as Manifest;
}

// `npm run pack` (scripts/pack.mjs), then a project in a temporary directory outside the
// workspace that installs the four tarballs from the registry's point of view: nothing of the
// monorepo (paths, sources, hoisted packages) can help it.
describe('npm run pack: the libraries as npm packages', () => {
  let out: string;
  let app: string;
  let packed: Packed[];

  beforeAll(() => {
    out = mkdtempSync(path.join(tmpdir(), 'tessera-pack-'));
    app = mkdtempSync(path.join(tmpdir(), 'tessera-consumer-'));
    packed = JSON.parse(run(process.execPath, ['scripts/pack.mjs', '--out', out, '--json'], root)) as Packed[];
  }, 120_000);

  afterAll(() => {
    rmSync(out, { recursive: true, force: true });
    rmSync(app, { recursive: true, force: true });
  });

  it('writes one tarball per library, all at the workspace version', () => {
    expect(packed.map((p) => p.name)).toEqual(NAMES);
    for (const p of packed) {
      expect(p.version).toBe(rootManifest.version);
      expect(path.dirname(p.tarball)).toBe(out);
      expect(manifestOf(p.tarball).version).toBe(rootManifest.version);
    }
  });

  it('ships compiled JavaScript with declarations, a README and the changelog, and no sources or tests', () => {
    for (const p of packed) {
      expect(p.files).toEqual(
        expect.arrayContaining(['package.json', 'README.md', 'CHANGELOG.md', 'dist/index.js', 'dist/index.d.ts']),
      );
      const leaks = p.files.filter(
        (f) => /\.spec\.|\.testing\.|(^|\/)testing\.|(^|\/)test\//.test(f) || (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)),
      );
      expect({ name: p.name, leaks }).toEqual({ name: p.name, leaks: [] });
    }
  });

  it('declares NestJS, rxjs, the NATS client and class-validator as peers and the @tessera packages at one version', () => {
    const auth = manifestOf(packed.find((p) => p.name === '@tessera/auth')!.tarball);
    expect(auth.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    expect(Object.keys(auth.peerDependencies)).toEqual(
      expect.arrayContaining(['@nestjs/common', '@nestjs/core', '@nats-io/kv', '@nats-io/transport-node']),
    );
    expect(auth.dependencies).toMatchObject({
      '@tessera/contracts': rootManifest.version,
      '@tessera/platform': rootManifest.version,
    });
    for (const p of packed) {
      const m = manifestOf(p.tarball);
      const peers = Object.keys(m.peerDependencies);
      expect(Object.keys(m.dependencies).filter((d) => /^@nestjs\/|^rxjs$|^@nats-io\//.test(d))).toEqual([]);
      expect(peers.every((d) => !d.startsWith('@tessera/'))).toBe(true);
    }
  });

  it('installs outside the workspace and loads under require, import and a strict TypeScript compile', () => {
    const tarballs = Object.fromEntries(packed.map((p) => [p.name, `file:${p.tarball}`]));
    writeFileSync(
      path.join(app, 'package.json'),
      JSON.stringify({
        name: 'consumer',
        private: true,
        dependencies: { ...tarballs, 'reflect-metadata': '0.2.2' },
        devDependencies: { '@types/node': rootManifest.devDependencies['@types/node'] },
      }),
    );
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', '--loglevel=error'], app);

    const loaded = run(
      process.execPath,
      [
        '-e',
        `require('reflect-metadata');
         const auth = require('@tessera/auth');
         const client = require('@tessera/client');
         const contracts = require('@tessera/contracts');
         import('@tessera/client').then((esm) => console.log(JSON.stringify({
           auth: typeof auth.AuthModule.forRoot, guard: typeof auth.AccessTokenGuard,
           client: typeof client.TesseraClient, esm: typeof esm.TesseraClient,
           where: require.resolve('@tessera/auth'), subjects: typeof contracts.Subjects,
         })));`,
      ],
      app,
    );
    const report = JSON.parse(loaded) as Record<string, string>;
    expect(report).toMatchObject({
      auth: 'function',
      guard: 'function',
      client: 'function',
      esm: 'function',
      subjects: 'object',
    });
    expect(report.where).toBe(path.join(app, 'node_modules', '@tessera', 'auth', 'dist', 'index.js'));

    writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2023',
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
          skipLibCheck: false,
          noEmit: true,
          types: ['node'],
        },
        files: ['main.ts', 'wrong.ts'],
      }),
    );
    writeFileSync(
      path.join(app, 'main.ts'),
      `import { AuthModule, CurrentUser, type Principal, Public, Roles } from '@tessera/auth';
       import { TesseraClient } from '@tessera/client';
       import { Subjects } from '@tessera/contracts';
       export const used = [AuthModule, CurrentUser, Public, Roles, TesseraClient, Subjects];
       export function who(p: Principal): string { return p.sub; }
      `,
    );
    // wrong.ts proves the types are real: a client is not a number.
    writeFileSync(
      path.join(app, 'wrong.ts'),
      `import { TesseraClient } from '@tessera/client';\nexport const n: number = new TesseraClient({ authUrl: '/a', ordersUrl: '/o', profileUrl: '/p' });\n`,
    );
    // Declarations checked too (skipLibCheck off), but only ours: some of drizzle-orm's own
    // declarations for drivers nobody installed (gel, mysql2) do not compile on their own.
    const compiled = spawnSync(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '-p', app, '--pretty', 'false'],
      {
        cwd: app,
        encoding: 'utf8',
      },
    );
    const errors = `${compiled.stdout}${compiled.stderr}`.split('\n').filter((line) => /error TS\d+/.test(line));
    expect(
      errors.filter((line) => !line.startsWith('node_modules/') || line.startsWith('node_modules/@tessera/')),
    ).toEqual([
      expect.stringMatching(
        /^wrong\.ts\(2,\d+\): error TS2322: Type 'TesseraClient' is not assignable to type 'number'/,
      ),
    ]);
  }, 240_000);

  it('bundles @tessera/client for a browser with nothing from Node', () => {
    const entry = path.join(app, 'browser.ts');
    writeFileSync(
      entry,
      `import { TesseraClient } from '@tessera/client';\nconsole.log(new TesseraClient({ authUrl: '/a', ordersUrl: '/o', profileUrl: '/p' }));\n`,
    );
    const bundle = run(
      require.resolve('esbuild/bin/esbuild'),
      [entry, '--bundle', '--platform=browser', '--format=esm', '--log-level=error'],
      app,
    );
    expect(bundle).toContain('TesseraClient');
    expect(bundle).not.toMatch(/require\(["']node:|from ["']node:/);
  });
});
