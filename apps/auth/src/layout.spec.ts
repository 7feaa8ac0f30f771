import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import ts from 'typescript';

const CONFIG = path.join(__dirname, 'config');

/**
 * The relative imports of a file that leave `folder`: every static, type-only, dynamic and
 * require() import, as TypeScript's own scanner finds them.
 */
function importsLeaving(folder: string, file: string, text: string): string[] {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles
    .map((imported) => imported.fileName)
    .filter((name) => name.startsWith('.'))
    .filter((name) => {
      const target = path.resolve(path.dirname(file), name);
      return path.relative(folder, target).startsWith('..');
    });
}

describe('apps/auth layout', () => {
  it('keeps config/ a leaf: no file in it imports another folder of the app', () => {
    const files = readdirSync(CONFIG, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts'));
    expect(files).toContain('auth.config.ts');
    const outside = files.flatMap((name) => {
      const file = path.join(CONFIG, name);
      return importsLeaving(CONFIG, file, readFileSync(file, 'utf8')).map((spec) => `${name} -> ${spec}`);
    });
    expect(outside).toEqual([]);
  });

  it('finds every kind of import that leaves the folder', () => {
    const file = path.join(CONFIG, 'example.ts');
    const text = [
      "import { PASSWORD_MIN_LENGTH } from './password-policy';",
      "import type { PasswordHashOptions } from '../accounts/password-hasher.service';",
      "export { Role } from '../accounts/roles';",
      "const abuse = import('../abuse/login-throttle-policy');",
      "const db = require('../database/schema');",
      "import { IsInt } from 'class-validator';",
    ].join('\n');
    expect(importsLeaving(CONFIG, file, text)).toEqual([
      '../accounts/password-hasher.service',
      '../accounts/roles',
      '../abuse/login-throttle-policy',
      '../database/schema',
    ]);
  });
});
