// Unit specs of the console's logic that needs no browser (error messages); the console
// itself is tested in a real browser by apps/web-e2e.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'web',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
