// Jest globalSetup of the end-to-end projects that run the apps as built for `npm start`
// (system-e2e, security-e2e, client-e2e, web-e2e): build them first. One jest run builds once,
// for every such project together (auth, orders, profile and the web console); when dist/ is
// already current (e.g. `.ci/run` built just before), Nx answers from its cache in about a second.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const PROJECTS = ['auth', 'orders', 'profile', 'web'];
// globalSetup runs in jest's own process, once per project: the first call does the work.
const BUILT = 'TESSERA_E2E_APPS_BUILT';

module.exports = async () => {
  if (process.env[BUILT] === '1') {
    return;
  }
  execFileSync(
    path.join(root, 'node_modules/.bin/nx'),
    ['run-many', '-t', 'build', '-p', PROJECTS.join(','), '--output-style=stream'],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, NX_NO_CLOUD: 'true', NX_DAEMON: 'false' },
    },
  );
  process.env[BUILT] = '1';
};
