import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * The workspace's own eslint.config.mjs, run on import lines that break the house rules
 * (DESIGN "Rules of the house"), as if they were written in a real file of each project.
 */
async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [
    path.join(__dirname, 'lint-fixture.mjs'),
    file,
    code,
  ]);
  const messages = JSON.parse(stdout) as { ruleId: string | null; message: string; fatal: boolean }[];
  expect(messages.filter((m) => m.fatal)).toEqual([]);
  return messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('module boundaries', () => {
  it('fails when an app imports another app', async () => {
    const errors = await boundaryErrors(
      'apps/auth/src/fixture.ts',
      "import { createOrdersApp } from '../../orders/src/app';\nexport const x = createOrdersApp;\n",
    );
    expect(errors.length).toBeGreaterThan(0);
  });

  it('fails when a lib imports an app', async () => {
    const errors = await boundaryErrors(
      'libs/auth/src/fixture.ts',
      "import { createProfileApp } from '../../../apps/profile/src/app';\nexport const x = createProfileApp;\n",
    );
    expect(errors.length).toBeGreaterThan(0);
  });

  it('fails when contracts import a NestJS-aware lib', async () => {
    const errors = await boundaryErrors(
      'libs/contracts/src/fixture.ts',
      "import { TesseraError } from '@tessera/platform';\nexport const x = TesseraError;\n",
    );
    // Reported as a cycle (platform already depends on contracts); either way it is an error.
    expect(errors.length).toBeGreaterThan(0);
  });

  it.each(['@tessera/platform', '@tessera/auth'])('fails when the web console imports %s', async (lib) => {
    const errors = await boundaryErrors(
      'apps/web/src/fixture.ts',
      `import * as lib from '${lib}';\nexport const x = lib;\n`,
    );
    expect(errors.length).toBeGreaterThan(0);
  });

  it('allows the web console to import the browser SDK', async () => {
    const errors = await boundaryErrors(
      'apps/web/src/fixture.ts',
      "import { TesseraClient } from '@tessera/client';\nexport const x = TesseraClient;\n",
    );
    expect(errors).toEqual([]);
  });

  it('allows an app to import libs through their public entry', async () => {
    const errors = await boundaryErrors(
      'apps/orders/src/fixture.ts',
      "import { AuthModule } from '@tessera/auth';\nimport { Subjects } from '@tessera/contracts';\nexport const x = [AuthModule, Subjects];\n",
    );
    expect(errors).toEqual([]);
  });
});
