// What `npm test` needs before jest starts, checked in its first seconds so that a missing piece
// is named at once, not after minutes of other suites: the installed packages that build dist/
// (the end-to-end suites build the apps first), and a browser when the browser tests are in the
// run. NATS is checked by ensureNats (scripts/lib/nats.mjs) right after.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

import browser from './browser.cjs';

/** The jest flags that take a value as the next argument (the rest are booleans or --flag=value). */
const VALUE_FLAGS = new Set([
  '-c',
  '--config',
  '-t',
  '--testNamePattern',
  '--outputFile',
  '--maxWorkers',
  '-w',
  '--testTimeout',
  '--shard',
  '--seed',
  '--reporters',
  '--coverageDirectory',
  '--testPathIgnorePatterns',
  '--rootDir',
]);
const LIST_FLAGS = new Set(['--selectProjects', '--ignoreProjects', '--testPathPatterns', '--testPathPattern']);

/** Reads the parts of jest's arguments that decide which projects and files run. */
export function parseJestSelection(args) {
  const selection = { select: [], ignore: [], patterns: [] };
  const listOf = { '--selectProjects': 'select', '--ignoreProjects': 'ignore' };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s) : [arg, undefined];
    if (LIST_FLAGS.has(flag)) {
      const key = listOf[flag] ?? 'patterns';
      if (inline !== undefined) {
        selection[key].push(inline);
        continue;
      }
      while (i + 1 < args.length && !args[i + 1].startsWith('-')) {
        selection[key].push(args[++i]);
      }
    } else if (VALUE_FLAGS.has(flag) && inline === undefined) {
      i++;
    } else if (!arg.startsWith('-')) {
      selection.patterns.push(arg);
    }
  }
  return selection;
}

/** Whether a jest run with these arguments includes the browser tests (apps/web-e2e). */
export function runsBrowserTests(args, root) {
  const { select, ignore, patterns } = parseJestSelection(args);
  if (ignore.includes('web-e2e') || (select.length > 0 && !select.includes('web-e2e'))) {
    return false;
  }
  if (patterns.length === 0) {
    return true;
  }
  const dir = path.join(root, 'apps/web-e2e/test');
  const specs = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.e2e-spec.ts')) : [];
  return specs.some((spec) =>
    patterns.some((p) => {
      try {
        return new RegExp(p, 'i').test(path.join(dir, spec));
      } catch {
        return path.join(dir, spec).includes(p);
      }
    }),
  );
}

/**
 * The prerequisites this run lacks, each as a message naming it and the command that installs
 * it; empty when all are there. Options are replaceable for tests.
 */
export function missingPrerequisites({ args, root, env = process.env, platform = process.platform } = {}) {
  const missing = [];
  for (const [what, file] of [
    ['jest', 'node_modules/jest/bin/jest.js'],
    ['nx (builds dist/ for the end-to-end suites)', 'node_modules/.bin/nx'],
  ]) {
    if (!existsSync(path.join(root, file))) {
      missing.push(`${what} is not installed. Run:\n  npm ci`);
    }
  }
  if (runsBrowserTests(args, root)) {
    const found = browser.findBrowser({ env, platform });
    if (!found.path) {
      missing.push(`${found.reason}\n${browser.howToGetBrowser(platform)}`);
    }
  }
  return missing;
}
