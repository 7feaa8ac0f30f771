import path from 'node:path';
import { fileURLToPath } from 'node:url';

import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The web console, built into dist/web and served by scripts/lib/web-server.mjs. It learns the
 * API URLs at run time from /config.json, so one build serves every environment.
 */
export default defineConfig(({ command }) => {
  if (command === 'build') {
    // Always React's production build: Jest's globalSetup runs the build with NODE_ENV=test, and
    // Nx would cache a development bundle (double effects, dev warnings) for `npm start` too.
    process.env.NODE_ENV = 'production';
  }
  return {
    root: here,
    base: '/',
    plugins: [react()],
    // @tessera/client from tsconfig.base.json's paths, as every other project resolves it.
    resolve: { tsconfigPaths: true },
    build: {
      outDir: path.resolve(here, '../../dist/web'),
      emptyOutDir: true,
      sourcemap: true,
      // No inline script or style anywhere: the server's Content-Security-Policy allows 'self' only.
      assetsInlineLimit: 0,
    },
  };
});
