// The web console in a real browser: the machine's Chromium or Chrome (found by
// scripts/lib/browser.cjs) driven by playwright-core, against the apps and the console server
// started as processes from dist/, as `npm start` does.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'web-e2e',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/../../scripts/jest-build-apps.cjs',
};
