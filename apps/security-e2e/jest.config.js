// The adversarial suite: one spec per standard, against the apps as built for
// `npm start` (dist/), booted in-process on loopback with real NATS and real databases.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'security-e2e',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/../../scripts/jest-build-apps.cjs',
};
