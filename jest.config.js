/** Every project's tests in one run: `npm test` (see scripts/test.mjs). */
const { existsSync, readdirSync } = require('node:fs');
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
};
