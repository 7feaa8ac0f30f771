// Lints one source text with the workspace's eslint.config.mjs as if it were the given file,
// keeping only the module-boundaries rule. Run as a plain Node process: ESLint loads its
// config through import(), which Jest's module sandbox cannot do.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ESLint } from 'eslint';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const [file, code] = process.argv.slice(2);
const eslint = new ESLint({
  cwd: root,
  ruleFilter: ({ ruleId }) => ruleId === '@nx/enforce-module-boundaries',
  // Type information is not needed for this rule, and the fixture is not a file on disk.
  overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
});
const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
const messages = (result?.messages ?? []).map((m) => ({
  ruleId: m.ruleId,
  message: m.message,
  fatal: m.fatal ?? false,
}));
process.stdout.write(JSON.stringify(messages));
