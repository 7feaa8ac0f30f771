/** Every project's tests in one run: `npm test` (see scripts/test.mjs). */
const { existsSync, readdirSync } = require('node:fs');
const { availableParallelism } = require('node:os');
const path = require('node:path');

const projects = ['libs', 'apps', 'tools'].flatMap((group) => {
  const dir = path.join(__dirname, group);
  return existsSync(dir)
    ? readdirSync(dir)
        .map((name) => path.join(dir, name, 'jest.config.js'))
        .filter((file) => existsSync(file))
    : [];
});

module.exports = {
  projects,
  // Global, not per project (Jest ignores it there): the end-to-end suites boot real apps
  // against real NATS and databases, which on a loaded 2-core CI machine takes seconds.
  testTimeout: 60_000,
  // Jest's default (one worker less than the cores) runs one suite at a time on a 2-core CI
  // machine, although the end-to-end suites mostly wait on NATS, databases and child
  // processes; every suite has its own NATS namespace, databases and free ports.
  maxWorkers: Math.max(2, availableParallelism() - 1),
};
