// The service generator, run against a scratch copy of the repository (see service.spec.ts).
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'generators',
  rootDir: __dirname,
  testMatch: ['<rootDir>/*.spec.ts'],
};
