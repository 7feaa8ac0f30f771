#!/usr/bin/env node
// `npm run new-service -- <name>`: runs the Nx generator tools/generators/service on this
// repository through Nx's own file tree, as `nx g ./tools/generators:service <name>` does, but
// with a refusal as one line on stderr and exit code 2 (nothing written) instead of a stack.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { FsTree, flushChanges, printChanges } = require('nx/src/generators/tree');
const { serviceGenerator, ServiceGeneratorError } = require('../tools/generators/service/generator.cjs');

const USAGE = 'usage: npm run new-service -- <name> [--dry-run]';

function refuse(message) {
  process.stderr.write(`new-service: ${message}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(
    `${USAGE}\n\nCreates apps/<name> (a guarded HTTP route, a NATS handler, a database, tests) and wires it into\nauth, docker/nats/nats.conf, docker-compose.yml, npm start and npm run cluster (README, "Add a service").\n`,
  );
  process.exit(0);
}
const dryRun = args.includes('--dry-run');
const positional = args.filter((a) => a !== '--dry-run');
if (positional.some((a) => a.startsWith('-'))) {
  refuse(`unknown option ${positional.find((a) => a.startsWith('-'))} (${USAGE})`);
}
if (positional.length !== 1) {
  refuse(`expected one service name, got ${positional.length} (${USAGE})`);
}

const tree = new FsTree(ROOT, false);
let done;
try {
  done = await serviceGenerator(tree, { name: positional[0] });
} catch (err) {
  if (err instanceof ServiceGeneratorError) {
    refuse(err.message);
  }
  throw err;
}
const changes = tree.listChanges();
printChanges(changes);
if (dryRun) {
  process.stdout.write('\n--dry-run: nothing was written.\n');
} else {
  flushChanges(ROOT, changes);
  done();
}
