import { execFile } from 'node:child_process';
import path from 'node:path';

interface Message {
  ruleId: string | null;
  message: string;
  fatal: boolean;
}

const importing = (names: string[]) =>
  names.map((n, i) => `import * as m${i} from '${n}';`).join('\n') +
  `\nexport const x = [${names.map((_, i) => `m${i}`).join(', ')}];\n`;

/**
 * The workspace's own eslint.config.mjs, run on import lines as if they were written in a real
 * file of each project: what breaks the house rules (its `depConstraints`) must be an error,
 * what the architecture relies on must stay allowed.
 */
const refused: [string, string, string][] = [
  ['an app imports another app', 'apps/auth/src/fixture.ts', '../../orders/src/app'],
  ['a lib imports an app', 'libs/auth/src/fixture.ts', '../../../apps/profile/src/app'],
  // Also a cycle, as platform already depends on contracts; either way it is an error.
  ['contracts import platform', 'libs/contracts/src/fixture.ts', '@tessera/platform'],
  ['contracts import the auth library', 'libs/contracts/src/fixture.ts', '@tessera/auth'],
  ['contracts import the client SDK', 'libs/contracts/src/fixture.ts', '@tessera/client'],
  // auth -> platform exists, so this is a cycle too; the client case shows the rule itself.
  ['platform imports the auth library', 'libs/platform/src/fixture.ts', '@tessera/auth'],
  ['platform imports the client SDK', 'libs/platform/src/fixture.ts', '@tessera/client'],
  ['the client SDK imports platform', 'libs/client/src/fixture.ts', '@tessera/platform'],
  ['the client SDK imports the auth library', 'libs/client/src/fixture.ts', '@tessera/auth'],
  ['the web console imports platform', 'apps/web/src/fixture.ts', '@tessera/platform'],
  ['the web console imports the auth library', 'apps/web/src/fixture.ts', '@tessera/auth'],
];
const allowed: [string, string, string[]][] = [
  [
    'an app imports libs through their public entry',
    'apps/orders/src/fixture.ts',
    ['@tessera/auth', '@tessera/contracts'],
  ],
  [
    'the auth library imports platform and contracts',
    'libs/auth/src/fixture.ts',
    ['@tessera/platform', '@tessera/contracts'],
  ],
  ['platform importing contracts', 'libs/platform/src/fixture.ts', ['@tessera/contracts']],
  ['the client SDK importing contracts', 'libs/client/src/fixture.ts', ['@tessera/contracts']],
  ['the web console importing the browser SDK', 'apps/web/src/fixture.ts', ['@tessera/client']],
];

describe('module boundaries', () => {
  let results: Message[][];

  beforeAll(async () => {
    const fixtures = [
      ...refused.map(([, file, from]) => ({ file, code: importing([from]) })),
      ...allowed.map(([, file, from]) => ({ file, code: importing(from) })),
    ];
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = execFile(
        process.execPath,
        [path.join(__dirname, 'lint-fixture.mjs')],
        { maxBuffer: 16 * 1024 * 1024 },
        (err, out) => (err ? reject(new Error(`lint-fixture.mjs failed: ${err.message}`)) : resolve(out)),
      );
      child.stdin?.end(JSON.stringify(fixtures));
    });
    results = JSON.parse(stdout) as Message[][];
    expect(results).toHaveLength(fixtures.length);
  }, 60_000);

  const boundaryErrors = (i: number) => {
    expect(results[i].filter((m) => m.fatal)).toEqual([]);
    return results[i].filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
  };

  it.each(refused.map((c, i) => [c[0], i] as const))('fails when %s', (_name, i) => {
    expect(boundaryErrors(i).length).toBeGreaterThan(0);
  });

  it.each(allowed.map((c, i) => [c[0], refused.length + i] as const))('allows %s', (_name, i) => {
    expect(boundaryErrors(i)).toEqual([]);
  });
});
