// Decorator metadata must exist before any decorated class loads (contracts, config).
import 'reflect-metadata';

import { readInput, runOperatorCli } from './operator-cli';

runOperatorCli(process.argv.slice(2), process.env, {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  readFile: readInput,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
