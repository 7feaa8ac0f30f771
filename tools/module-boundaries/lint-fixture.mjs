// Lints source texts with the workspace's eslint.config.mjs as if each were the given file,
// keeping only the module-boundaries rule. Reads `[{file, code}, ...]` as JSON on stdin and
// writes one list of messages per fixture. Run as a plain Node process: ESLint loads its
// config through import(), which Jest's module sandbox cannot do; one process for every
// fixture, because loading ESLint and the project graph is most of the cost.
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { fileURLToPath } from 'node:url';

import { createProjectGraphAsync } from '@nx/devkit';
import { ESLint } from 'eslint';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = JSON.parse(await text(process.stdin));
// The rule reads Nx's cached project graph and silently skips itself when there is none (a fresh
// clone that never ran an nx command): make sure one exists.
await createProjectGraphAsync({ exitOnError: true });
const eslint = new ESLint({
  cwd: root,
  ruleFilter: ({ ruleId }) => ruleId === '@nx/enforce-module-boundaries',
  // Type information is not needed for this rule, and the fixture is not a file on disk.
  overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
});
const out = [];
for (const { file, code } of fixtures) {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  out.push((result?.messages ?? []).map((m) => ({ ruleId: m.ruleId, message: m.message, fatal: m.fatal ?? false })));
}
process.stdout.write(JSON.stringify(out));
