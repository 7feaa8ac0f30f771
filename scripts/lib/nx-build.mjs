// The build step of `npm start` and `npm run cluster`: nx from node_modules, never a global one.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Runs `nx run-many -t build` (only `projects` when given) in `root`; resolves when it passes,
 * rejects with a message for the user when it fails or nx is not installed.
 * @param {{ root: string, projects?: string[], say: (msg: string) => void, stdio?: import('node:child_process').StdioOptions }} options
 */
export function runBuild({ root, projects, say, stdio = 'inherit' }) {
  const nx = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'nx.cmd' : 'nx');
  if (!existsSync(nx)) {
    return Promise.reject(new Error('nx is not installed: run `npm ci` first.'));
  }
  const args = ['run-many', '-t', 'build', ...(projects ? ['-p', projects.join(',')] : [])];
  say(`building: nx ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(nx, args, {
      cwd: root,
      stdio,
      shell: process.platform === 'win32',
      env: { ...process.env, NX_TUI: process.env.NX_TUI ?? 'false' },
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) {
        resolve();
      } else {
        reject(new Error(`the build failed (${signal ?? `exit code ${code}`}); see the output above.`));
      }
    });
  });
}
