// Jest globalSetup of the end-to-end projects that run the apps as built for `npm start`
// (system-e2e, security-e2e, client-e2e): build them first (Nx caches it). A project that needs
// more (web-e2e: the web console too) calls buildProjects from a globalSetup of its own.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function buildProjects(projects) {
  execFileSync(
    path.join(root, 'node_modules/.bin/nx'),
    ['run-many', '-t', 'build', '-p', projects.join(','), '--output-style=stream'],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, NX_NO_CLOUD: 'true', NX_DAEMON: 'false' },
    },
  );
}

module.exports = async () => buildProjects(['auth', 'orders', 'profile']);
module.exports.buildProjects = buildProjects;
