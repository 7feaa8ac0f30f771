#!/usr/bin/env node
// `npm run pack`: builds @tessera/contracts, @tessera/platform, @tessera/auth and @tessera/client
// into real npm packages and writes their tarballs to dist/packages/.
//
// Each package is compiled by tsc from the library's sources (tests, *.testing.ts helpers and the
// testing entry points left out) to CommonJS with .d.ts files; @tessera/client also gets an ES
// module build for browser bundlers. Its package.json is written here, never by hand: the version
// is the workspace's (the root package.json's; a library's own package.json carries none), and
// the dependencies are read from what the compiled files import, so an import nobody declared
// cannot ship. Packages an application must share one copy of (NestJS, rxjs, reflect-metadata,
// the NATS client, Fastify, class-validator) are peer dependencies.
//
//   node scripts/pack.mjs [--out <dir>] [--json]
//
// --json prints what was packed (name, version, tarball, files) as JSON on stdout.
import { execFileSync } from 'node:child_process';
import { builtinModules, createRequire } from 'node:module';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** The packages, in build order: each one's @tessera imports come before it. */
export const PACKAGES = [
  { dir: 'contracts', name: '@tessera/contracts' },
  { dir: 'platform', name: '@tessera/platform' },
  { dir: 'auth', name: '@tessera/auth' },
  { dir: 'client', name: '@tessera/client', esm: true, sideEffects: false },
];

/** Imports an application must resolve to the one copy it has itself. */
const PEER = [
  /^@nestjs\//,
  /^@nats-io\//,
  /^rxjs$/,
  /^reflect-metadata$/,
  /^fastify$/,
  /^class-validator$/,
  /^class-transformer$/,
];

const BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

function fail(message) {
  process.stderr.write(`[pack] ${message}\n`);
  process.exit(1);
}

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** The package a bare specifier names: `@scope/name/deep` → `@scope/name`, `name/deep` → `name`. */
export function packageOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Every bare specifier a compiled file imports or requires (type-only imports included via .d.ts). */
export function importsOf(source) {
  const found = new Set();
  const patterns = [
    /\brequire\(\s*["']([^"'./][^"']*)["']\s*\)/g,
    /\bimport\(\s*["']([^"'./][^"']*)["']\s*\)/g,
    /\bfrom\s*["']([^"'./][^"']*)["']/g,
    /^\s*import\s*["']([^"'./][^"']*)["']/gm,
  ];
  for (const pattern of patterns) {
    for (const match of source.matchAll(pattern)) {
      found.add(match[1]);
    }
  }
  return [...found];
}

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    return entry.isDirectory() ? walk(file) : [file];
  });
}

/** A caret range on the version the workspace pins (and tests with). */
function rangeOf(name, pinned) {
  const version = pinned[name];
  if (!version) {
    return undefined;
  }
  return /^\d/.test(version) ? `^${version}` : version;
}

function compile(pkg, stage, options) {
  const lib = path.join(root, 'libs', pkg.dir);
  const exclude = ['**/*.spec.ts', '**/*.testing.ts', 'src/testing.ts', 'test/**'].map((p) => path.join(lib, p));
  const paths = Object.fromEntries(
    PACKAGES.filter((other) => other.name !== pkg.name).map((other) => [
      other.name,
      [path.join(options.out, '.stage', other.dir, 'dist', 'index.d.ts')],
    ]),
  );
  const build = (outDir, compilerOptions) => {
    const tsconfig = path.join(stage, `tsconfig.${path.basename(outDir)}.json`);
    writeFileSync(
      tsconfig,
      JSON.stringify(
        {
          extends: path.join(root, 'tsconfig.base.json'),
          compilerOptions: {
            noEmit: false,
            declaration: true,
            sourceMap: true,
            inlineSources: true,
            rootDir: path.join(lib, 'src'),
            outDir,
            types: ['node'],
            // The tsconfig is written outside the workspace (--out): look types up in its node_modules.
            typeRoots: [path.join(root, 'node_modules', '@types')],
            baseUrl: root,
            paths,
            ...compilerOptions,
          },
          include: [path.join(lib, 'src', '**', '*.ts')],
          exclude,
        },
        null,
        2,
      ),
    );
    try {
      execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', tsconfig], {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (e) {
      fail(`${pkg.name} does not compile:\n${e.stdout}${e.stderr}`);
    }
  };
  build(path.join(stage, 'dist'), {});
  if (pkg.esm) {
    const esm = path.join(stage, 'dist', 'esm');
    build(esm, { module: 'esnext', moduleResolution: 'bundler', declaration: false });
    writeFileSync(
      path.join(esm, 'package.json'),
      `${JSON.stringify({ type: 'module', sideEffects: false }, null, 2)}\n`,
    );
  }
}

function manifest(pkg, stage, version, pinned) {
  const lib = path.join(root, 'libs', pkg.dir);
  const own = existsSync(path.join(lib, 'package.json')) ? readJson(path.join(lib, 'package.json')) : {};
  if (own.version !== undefined && own.version !== version) {
    fail(
      `libs/${pkg.dir}/package.json says version ${own.version}; the workspace version (package.json) is ${version}`,
    );
  }
  const dependencies = {};
  const peerDependencies = {};
  const undeclared = [];
  for (const file of walk(path.join(stage, 'dist'))) {
    if (!/\.(js|d\.ts)$/.test(file)) {
      continue;
    }
    for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
      if (BUILTINS.has(specifier) || BUILTINS.has(specifier.split('/')[0])) {
        continue;
      }
      const name = packageOf(specifier);
      if (name === pkg.name) {
        continue;
      }
      const range = name.startsWith('@tessera/') ? version : rangeOf(name, pinned);
      if (!range) {
        undeclared.push(`${name} (in ${path.relative(stage, file)})`);
        continue;
      }
      (PEER.some((p) => p.test(name)) ? peerDependencies : dependencies)[name] = range;
    }
  }
  if (undeclared.length) {
    fail(`${pkg.name} imports packages the workspace does not pin:\n  ${[...new Set(undeclared)].join('\n  ')}`);
  }
  const rootManifest = readJson(path.join(root, 'package.json'));
  const exportsMap = pkg.esm
    ? {
        '.': {
          types: './dist/index.d.ts',
          node: './dist/index.js',
          import: './dist/esm/index.js',
          default: './dist/index.js',
        },
        './package.json': './package.json',
      }
    : { '.': { types: './dist/index.d.ts', default: './dist/index.js' }, './package.json': './package.json' };
  const sorted = (o) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
  return {
    name: pkg.name,
    version,
    description: describe(path.join(lib, 'README.md')) ?? rootManifest.description,
    license: rootManifest.license,
    main: './dist/index.js',
    ...(pkg.esm ? { module: './dist/esm/index.js' } : {}),
    types: './dist/index.d.ts',
    exports: exportsMap,
    files: ['dist', 'README.md', 'CHANGELOG.md'],
    ...(pkg.sideEffects === false ? { sideEffects: false } : {}),
    engines: rootManifest.engines,
    dependencies: sorted(dependencies),
    peerDependencies: sorted(peerDependencies),
    publishConfig: { access: 'public', provenance: true },
  };
}

/** The README's first paragraph after its title. */
function describe(readme) {
  if (!existsSync(readme)) {
    return undefined;
  }
  const paragraph = readFileSync(readme, 'utf8')
    .split(/\n\s*\n/)
    .find((block) => block.trim() && !block.trim().startsWith('#'));
  return paragraph?.replace(/\s+/g, ' ').trim();
}

export function pack({ out = path.join(root, 'dist', 'packages') } = {}) {
  const rootManifest = readJson(path.join(root, 'package.json'));
  const version = rootManifest.version;
  const pinned = { ...rootManifest.devDependencies, ...rootManifest.dependencies };
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const results = [];
  for (const pkg of PACKAGES) {
    const stage = path.join(out, '.stage', pkg.dir);
    mkdirSync(stage, { recursive: true });
    const readme = path.join(root, 'libs', pkg.dir, 'README.md');
    if (!existsSync(readme)) {
      fail(`libs/${pkg.dir}/README.md is missing: every package ships one`);
    }
    compile(pkg, stage, { out });
    cpSync(readme, path.join(stage, 'README.md'));
    cpSync(path.join(root, 'CHANGELOG.md'), path.join(stage, 'CHANGELOG.md'));
    writeFileSync(
      path.join(stage, 'package.json'),
      `${JSON.stringify(manifest(pkg, stage, version, pinned), null, 2)}\n`,
    );
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', out], {
        cwd: stage,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    results.push({
      name: packed.name,
      version: packed.version,
      tarball: path.join(out, packed.filename),
      files: packed.files.map((f) => f.path).sort(),
    });
  }
  return results;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  const results = pack(outAt >= 0 ? { out: path.resolve(args[outAt + 1]) } : {});
  if (args.includes('--json')) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } else {
    for (const r of results) {
      process.stdout.write(
        `[pack] ${r.name}@${r.version}: ${path.relative(root, r.tarball)} (${r.files.length} files)\n`,
      );
    }
  }
}
