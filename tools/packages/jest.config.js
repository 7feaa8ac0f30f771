// The libraries as npm packages: `npm run pack` builds their tarballs, and a project outside the
// workspace installs and uses them.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'packages',
  rootDir: __dirname,
  testMatch: ['<rootDir>/*.spec.ts'],
};
