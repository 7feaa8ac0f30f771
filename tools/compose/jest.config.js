// docker-compose.yml's parts that run without a Docker engine: the static check itself, the
// secrets generator and the NATS entrypoint.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'compose',
  rootDir: __dirname,
  testMatch: ['<rootDir>/*.spec.ts'],
};
