#!/usr/bin/env node
// `npm run fuzz [-- <jest args>]`: the long fuzzing run. The CI suite
// (apps/security-e2e/test/fuzz.e2e-spec.ts) with 10,000 cases per documented operation and a
// seed of its own, through `npm test` (NATS, the namespace, the test databases). FUZZ_RUNS and
// FUZZ_SEED override both; FUZZ_ONLY=<text> keeps the operations whose `METHOD /path` has it.
// It prints, per operation, the cases sent and the statuses answered, the total of requests,
// and every 5xx or undeclared answer with the request that drew it.
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = {
  ...process.env,
  FUZZ_RUNS: process.env.FUZZ_RUNS || '10000',
  FUZZ_SEED: process.env.FUZZ_SEED || String(randomInt(1, 2 ** 31 - 1)),
};
console.error(`[fuzz] FUZZ_RUNS=${env.FUZZ_RUNS} FUZZ_SEED=${env.FUZZ_SEED} (set both to send the same cases again)`);

const child = spawn(
  process.execPath,
  [path.join(ROOT, 'scripts/test.mjs'), 'apps/security-e2e/test/fuzz.e2e-spec.ts', ...process.argv.slice(2)],
  { cwd: ROOT, env, stdio: 'inherit' },
);
process.on('SIGINT', () => child.kill('SIGINT'));
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => {
  process.exitCode = signal ? 1 : (code ?? 1);
});
