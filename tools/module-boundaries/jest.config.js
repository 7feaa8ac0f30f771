module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'module-boundaries',
  rootDir: __dirname,
  testMatch: ['<rootDir>/*.spec.ts'],
};
