// Shared Jest settings: NestJS 12, @nats-io and jose ship ESM only, so @swc/jest compiles them
// to CommonJS together with our TypeScript (legacy decorators + metadata, as Nest needs).
const { readFileSync } = require('node:fs');
const path = require('node:path');

const swcrc = JSON.parse(readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));
delete swcrc.$schema;
swcrc.jsc.baseUrl = __dirname;
swcrc.swcrc = false;

module.exports = {
  testEnvironment: 'node',
  setupFiles: ['reflect-metadata'],
  transform: {
    '^.+\\.(t|j|mj)s$': ['@swc/jest', swcrc],
    // PGlite's CommonJS build loads its WebAssembly through `import()`, which Jest's module
    // sandbox refuses without --experimental-vm-modules; compiling it turns that into require().
    '/@electric-sql/pglite/.+\\.cjs$': ['@swc/jest', swcrc],
  },
  // @fastify/cookie loads the ESM-only `cookie` through import(): compiled, it becomes require().
  // @fastify/static (Swagger UI assets) requires the ESM-only `content-disposition`, nested in
  // its own node_modules: both are listed, as a path is ignored at its first unlisted package.
  transformIgnorePatterns: [
    '/node_modules/(?!(@nestjs|@nats-io|jose|oauth4webapi|openid-client|oidc-provider|cookie|uuid|@electric-sql|@fastify/cookie|@fastify/static|content-disposition)/)',
  ],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  moduleNameMapper: {
    '^@tessera/auth$': '<rootDir>/../../libs/auth/src/index.ts',
    '^@tessera/auth/testing$': '<rootDir>/../../libs/auth/src/testing.ts',
    '^@tessera/contracts$': '<rootDir>/../../libs/contracts/src/index.ts',
    '^@tessera/platform$': '<rootDir>/../../libs/platform/src/index.ts',
    '^@tessera/platform/testing$': '<rootDir>/../../libs/platform/src/testing.ts',
  },
};
