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

module.exports = { projects };
