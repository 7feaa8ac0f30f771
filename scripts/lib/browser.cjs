// Finds a Chromium or Google Chrome already on this machine for the browser tests (web-e2e).
// It never downloads one: the order is CHROME_PATH, the distributions' and Google's packages,
// the macOS app bundles, then a browser that Playwright installed earlier (if its file exists).
// CommonJS so that both scripts/test.mjs (import) and the TypeScript specs (require) use it.
'use strict';
const { accessSync, constants } = require('node:fs');
const path = require('node:path');

/** Executable names looked up on PATH, after the fixed locations below. */
const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** Fixed locations, in order, per platform. */
function knownPaths(platform) {
  if (platform === 'darwin') {
    return [
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
      '/Applications/Chromium.app/Contents/MacOS/Chromium',
    ];
  }
  return [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/snap/bin/chromium',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
  ];
}

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The executable playwright-core would launch by default, if playwright-core is installed. */
function playwrightBrowser() {
  try {
    return require('playwright-core').chromium.executablePath();
  } catch {
    return undefined;
  }
}

/**
 * Where the browser is: `{ path, source }`, or `{ path: undefined, reason }` when there is none.
 * A CHROME_PATH that is set must point at an executable; it is never silently passed over.
 * Every input can be replaced, for tests.
 */
function findBrowser({
  env = process.env,
  platform = process.platform,
  executable = isExecutable,
  playwright = playwrightBrowser,
} = {}) {
  if (env.CHROME_PATH) {
    return executable(env.CHROME_PATH)
      ? { path: env.CHROME_PATH, source: 'CHROME_PATH' }
      : { path: undefined, reason: `CHROME_PATH is set to ${env.CHROME_PATH}, which is not an executable file.` };
  }
  for (const file of knownPaths(platform)) {
    if (executable(file)) {
      return { path: file, source: file };
    }
  }
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const name of NAMES) {
    for (const dir of dirs) {
      const file = path.join(dir, name);
      if (executable(file)) {
        return { path: file, source: 'PATH' };
      }
    }
  }
  const installed = playwright();
  if (installed && executable(installed)) {
    return { path: installed, source: 'playwright' };
  }
  return { path: undefined, reason: 'No Chromium or Google Chrome was found on this machine.' };
}

/** What to run to get a browser, for the platform at hand (one command each). */
function howToGetBrowser(platform = process.platform) {
  const lines = ['The browser tests (web-e2e) need Chromium or Google Chrome; they never download one. Install one:'];
  if (platform === 'darwin') {
    lines.push('  macOS:          brew install --cask chromium      (or: brew install --cask google-chrome)');
  } else {
    lines.push(
      '  Debian:         sudo apt-get install -y chromium',
      '  Ubuntu:         sudo apt-get install -y chromium-browser      (or: sudo snap install chromium)',
      '  macOS:          brew install --cask chromium      (or: brew install --cask google-chrome)',
    );
  }
  lines.push(
    '  or point at one you have:  CHROME_PATH=/path/to/chrome npm test',
    '  or run the other suites only:  npm test -- --ignoreProjects web-e2e',
  );
  return lines.join('\n');
}

module.exports = { findBrowser, howToGetBrowser, knownPaths };
