import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

interface Found {
  path: string | undefined;
  source?: string;
  reason?: string;
}
// Loaded by path: a tooling project depends on no lib, and scripts/ belongs to no project.
const { findBrowser, howToGetBrowser } = createRequire(__filename)(path.join(root, 'scripts/lib/browser.cjs')) as {
  findBrowser(options: {
    env?: Record<string, string | undefined>;
    platform?: string;
    executable?: (file: string) => boolean;
    playwright?: () => string | undefined;
  }): Found;
  howToGetBrowser(platform?: string): string;
};

describe('findBrowser', () => {
  const none = () => undefined;

  it('takes CHROME_PATH first, before any installed browser', () => {
    const found = findBrowser({ env: { CHROME_PATH: '/opt/chrome' }, platform: 'linux', executable: () => true });
    expect(found).toEqual({ path: '/opt/chrome', source: 'CHROME_PATH' });
  });

  it('refuses a CHROME_PATH that is not an executable instead of passing it over', () => {
    const found = findBrowser({
      env: { CHROME_PATH: '/nope/chrome' },
      platform: 'linux',
      executable: (f) => f === '/usr/bin/chromium',
    });
    expect(found.path).toBeUndefined();
    expect(found.reason).toBe('CHROME_PATH is set to /nope/chrome, which is not an executable file.');
  });

  it.each([
    ['linux', '/usr/bin/chromium'],
    ['linux', '/usr/bin/chromium-browser'],
    ['linux', '/snap/bin/chromium'],
    ['linux', '/usr/bin/google-chrome'],
    ['linux', '/usr/bin/google-chrome-stable'],
    ['darwin', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'],
    ['darwin', '/Applications/Chromium.app/Contents/MacOS/Chromium'],
  ])('finds the browser on %s at %s', (platform, file) => {
    const found = findBrowser({ env: {}, platform, executable: (f) => f === file, playwright: none });
    expect(found).toEqual({ path: file, source: file });
  });

  it('prefers the distribution package over Google Chrome, in the listed order', () => {
    const found = findBrowser({ env: {}, platform: 'linux', executable: () => true, playwright: none });
    expect(found.path).toBe('/usr/bin/chromium');
  });

  it('looks the names up on PATH when no fixed location has one', () => {
    const found = findBrowser({
      env: { PATH: ['/nowhere', '/opt/browsers/bin'].join(path.delimiter) },
      platform: 'linux',
      executable: (f) => f === path.join('/opt/browsers/bin', 'google-chrome-stable'),
      playwright: none,
    });
    expect(found).toEqual({ path: path.join('/opt/browsers/bin', 'google-chrome-stable'), source: 'PATH' });
  });

  it("falls back to Playwright's browser only when its file exists", () => {
    const pw = '/home/u/.cache/ms-playwright/chromium-1/chrome-linux/chrome';
    expect(findBrowser({ env: {}, platform: 'linux', executable: (f) => f === pw, playwright: () => pw })).toEqual({
      path: pw,
      source: 'playwright',
    });
    const missing = findBrowser({ env: {}, platform: 'linux', executable: () => false, playwright: () => pw });
    expect(missing).toEqual({ path: undefined, reason: 'No Chromium or Google Chrome was found on this machine.' });
  });

  it('names the install command for each platform', () => {
    expect(howToGetBrowser('linux')).toContain('sudo apt-get install -y chromium');
    expect(howToGetBrowser('linux')).toContain('sudo apt-get install -y chromium-browser');
    expect(howToGetBrowser('darwin')).toContain('brew install --cask chromium');
    expect(howToGetBrowser('darwin')).toContain('CHROME_PATH=/path/to/chrome npm test');
  });
});

describe('npm test prerequisites (scripts/test.mjs)', () => {
  // A CHROME_PATH that is missing makes "no browser" certain on any machine; nothing else runs.
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(root, 'scripts/test.mjs'), ...args], {
      cwd: root,
      env: { ...process.env, CHROME_PATH: '/nonexistent/chrome' },
      encoding: 'utf8',
      timeout: 50_000,
    });

  it.each([[[]], [['--selectProjects', 'web-e2e']], [['apps/web-e2e']], [['--selectProjects=web-e2e', 'console']]])(
    'stops within seconds, naming the missing browser and its install, for jest %j',
    (args) => {
      const started = Date.now();
      const result = run(...args);
      expect(result.status).toBe(1);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(result.stderr).toContain('[test] cannot run the tests yet:');
      expect(result.stderr).toContain('CHROME_PATH is set to /nonexistent/chrome, which is not an executable file.');
      expect(result.stderr).toContain('sudo apt-get install -y chromium');
      // It stopped before NATS and jest.
      expect(result.stderr).not.toContain('NATS_URL=');
    },
  );

  it.each([[['--selectProjects', 'compose']], [['tools/compose', '--ignoreProjects', 'web-e2e']], [['tools/compose']]])(
    'does not ask for a browser when the run leaves web-e2e out (jest %j)',
    (args) => {
      const result = run(...args, '--listTests');
      expect(result.stderr).not.toContain('cannot run the tests yet');
      expect(result.status).toBe(0);
      expect(result.stdout).toContain(path.join('tools', 'compose', 'compose.spec.ts'));
    },
  );
});
