#!/usr/bin/env node
// `npm run tessera -- <command>`: the operator CLI (apps/auth/src/cli). It runs with auth's
// configuration from the environment, against auth's own database and NATS. Builds auth first
// when the build is missing. `npm run tessera -- --help` lists the commands.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'dist/auth/apps/auth/src/cli/main.js');

if (!existsSync(CLI)) {
  console.error('[tessera] building auth first (npx nx run auth:build)...');
  const build = spawnSync('npx', ['nx', 'run', 'auth:build'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('[tessera] the build failed; see above.');
    process.exit(1);
  }
}
const run = spawnSync(process.execPath, [CLI, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
