// libs/client against the real apps: the apps as built for `npm start` (dist/),
// booted in-process on loopback with real NATS and real databases; no mocked fetch.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'client-e2e',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/../../scripts/jest-build-apps.cjs',
};
