// deploy/k8s rendered by `kubectl kustomize` and checked against its rules, without a cluster.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'k8s',
  rootDir: __dirname,
  testMatch: ['<rootDir>/*.spec.ts'],
};
