const preset = require('../../jest.preset.js');

module.exports = {
  ...preset,
  displayName: 'auth-app',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  testTimeout: 30000,
  // @fastify/cookie loads the ESM-only `cookie` through import(), which Jest's module sandbox
  // refuses without --experimental-vm-modules; compiled with the rest, it becomes require().
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|@nats-io|jose|cookie|uuid|@electric-sql|@fastify/cookie)/)'],
};
