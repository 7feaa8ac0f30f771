// Tessera used by services that are not Tessera's own: AuthModule in a plain NestJS app (Fastify
// and Express, with and without inheritAppConfig), and the packed libraries installed into an
// app outside the workspace, both against a real auth (from dist/) and real NATS.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'adoption-e2e',
  rootDir: __dirname,
  testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/../../scripts/jest-build-apps.cjs',
};
