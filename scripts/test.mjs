#!/usr/bin/env node
// `npm test [-- <jest args>]`: every test, unit and end-to-end, against a real NATS server: the
// one at NATS_URL if it answers, else a nats-server started here on a free port (stopped after).
// Each run gets its own NATS_NAMESPACE, so runs sharing a server never see each other's
// subjects, streams or buckets. Before any of that, the prerequisites are checked
// (scripts/lib/prerequisites.mjs): a missing one stops the run at once, named with its install.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_NATS_URL, ensureNats, NatsUnavailableError } from './lib/nats.mjs';
import { missingPrerequisites } from './lib/prerequisites.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (msg) => console.error(`[test] ${msg}`);

async function main() {
  const missing = missingPrerequisites({ args: process.argv.slice(2), root: ROOT });
  if (missing.length > 0) {
    say(`cannot run the tests yet:\n\n${missing.join('\n\n')}\n`);
    return 1;
  }
  let nats;
  try {
    nats = await ensureNats({
      url: process.env.NATS_URL || DEFAULT_NATS_URL,
      freePort: true,
      log: (msg) => say(`NATS: ${msg}`),
    });
  } catch (err) {
    say(err instanceof NatsUnavailableError ? err.message : `NATS: ${err.stack ?? err}`);
    return 1;
  }

  const namespace = process.env.NATS_NAMESPACE || `t${randomBytes(5).toString('hex')}`;
  // The run's PGlite template and test databases (libs/platform/src/database/pglite-template.testing.ts).
  const scratch = mkdtempSync(path.join(tmpdir(), 'tessera-test-'));
  const env = { ...process.env, NATS_URL: nats.url, NATS_NAMESPACE: namespace, TESSERA_TEST_TMPDIR: scratch };
  say(
    `NATS_URL=${nats.url} NATS_NAMESPACE=${namespace}` +
      (process.env.TEST_DATABASE_URL ? ' TEST_DATABASE_URL is set: end-to-end tests also run on PostgreSQL' : ''),
  );

  let jestBin;
  try {
    jestBin = createRequire(path.join(ROOT, 'package.json')).resolve('jest/bin/jest');
  } catch {
    say('jest is not installed: run `npm ci` first.');
    rmSync(scratch, { recursive: true, force: true });
    await nats.stop();
    return 1;
  }

  const jest = spawn(process.execPath, [jestBin, ...process.argv.slice(2)], { cwd: ROOT, env, stdio: 'inherit' });

  // A terminal Ctrl-C reaches jest directly (same process group); only relay what was sent to
  // this process alone, and always outlive jest so the NATS server is stopped afterwards.
  let lastRelay = 0;
  const relay = (signal) => {
    if (Date.now() - lastRelay > 1000 && jest.exitCode === null) {
      lastRelay = Date.now();
      jest.kill(signal);
    }
  };
  process.on('SIGINT', () => setTimeout(() => relay('SIGINT'), 200));
  process.on('SIGTERM', () => relay('SIGTERM'));
  process.on('SIGHUP', () => relay('SIGHUP'));

  const { code, signal } = await new Promise((resolve) => {
    jest.on('error', (err) => {
      say(`could not run jest: ${err.message}`);
      resolve({ code: 1, signal: null });
    });
    jest.on('exit', (c, s) => resolve({ code: c, signal: s }));
  });

  rmSync(scratch, { recursive: true, force: true });
  if (nats.started) {
    await nats.stop();
  }
  if (signal) {
    say(`jest was stopped by ${signal}`);
    return 1;
  }
  return code ?? 1;
}

process.exitCode = await main();
