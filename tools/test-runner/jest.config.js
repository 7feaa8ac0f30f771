// scripts/test.mjs's prerequisite check and the browser finder it shares with web-e2e.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'test-runner',
  rootDir: __dirname,
  testMatch: ['<rootDir>/*.spec.ts'],
};
