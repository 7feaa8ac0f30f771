import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import ts from 'typescript';

const SRC = __dirname;
const CONFIG = path.join(SRC, 'config');

/** The folders every feature stands on, and the only folders each of them may import. */
const FOUNDATIONS: Record<string, readonly string[]> = {
  config: [],
  database: ['config'],
  http: ['config'],
};

/** The relative imports of a file: every static, type-only, dynamic and require() import, as TypeScript's own scanner finds them. */
function relativeImports(text: string): string[] {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles.map((imported) => imported.fileName).filter((name) => name.startsWith('.'));
}

/** The relative imports of a file that leave `folder`. */
function importsLeaving(folder: string, file: string, text: string): string[] {
  return relativeImports(text).filter((name) => {
    const target = path.resolve(path.dirname(file), name);
    return path.relative(folder, target).startsWith('..');
  });
}

/** The top-level folder of a path relative to `src`, or "(root)" for app.module.ts and its siblings. */
function folderOf(relative: string): string {
  const [first, ...rest] = relative.split(path.sep);
  return rest.length > 0 && first !== undefined ? first : '(root)';
}

/** Folder -> imported folder -> one import that makes the edge ("file -> specifier"), to name in a failure. */
type FolderGraph = Map<string, Map<string, string>>;

/** The graph of relative imports between the top-level folders of `src`; `files` maps paths relative to it to their text. */
function folderGraph(src: string, files: Record<string, string>): FolderGraph {
  const graph: FolderGraph = new Map();
  for (const [name, text] of Object.entries(files)) {
    const from = folderOf(name);
    const edges = graph.get(from) ?? new Map<string, string>();
    graph.set(from, edges);
    for (const spec of relativeImports(text)) {
      const target = path.relative(src, path.resolve(src, path.dirname(name), spec));
      // Test helpers outside src/ (apps/auth/test) are not part of the app's layout.
      if (target.startsWith('..')) {
        continue;
      }
      const to = folderOf(target);
      if (to !== from && !edges.has(to)) {
        edges.set(to, `${name} -> ${spec}`);
      }
    }
  }
  return graph;
}

/** The first cycle of folders, each step with the import behind it; undefined when there is none. */
function findCycle(graph: FolderGraph): string | undefined {
  const done = new Set<string>();
  const trail: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (trail.includes(node)) {
      return [...trail.slice(trail.indexOf(node)), node];
    }
    if (done.has(node)) {
      return undefined;
    }
    trail.push(node);
    for (const next of [...(graph.get(node)?.keys() ?? [])].sort()) {
      const cycle = visit(next);
      if (cycle) {
        return cycle;
      }
    }
    trail.pop();
    done.add(node);
    return undefined;
  };
  for (const node of [...graph.keys()].sort()) {
    const cycle = visit(node);
    if (cycle) {
      return cycle
        .slice(1)
        .map((to, i) => {
          const from = cycle[i] ?? '';
          return `${from} -> ${to} (${graph.get(from)?.get(to)})`;
        })
        .join('; ');
    }
  }
  return undefined;
}

/** Every import by which a foundation folder reaches a folder it may not import. */
function foundationViolations(graph: FolderGraph): string[] {
  return Object.entries(FOUNDATIONS).flatMap(([folder, allowed]) =>
    [...(graph.get(folder) ?? new Map<string, string>())].filter(([to]) => !allowed.includes(to)).map(([, via]) => via),
  );
}

function sourceFiles(src: string): Record<string, string> {
  const names = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts'));
  return Object.fromEntries(names.map((name) => [name, readFileSync(path.join(src, name), 'utf8')]));
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

  describe('no import running back up', () => {
    const graph = folderGraph(SRC, sourceFiles(SRC));

    it('reads the real folders and the imports between them', () => {
      expect([...graph.keys()]).toEqual(
        expect.arrayContaining(['(root)', 'accounts', 'config', 'sessions', 'sign-in']),
      );
      expect(graph.get('sign-in')?.has('sessions')).toBe(true);
      expect(graph.get('(root)')?.has('accounts')).toBe(true);
    });

    it('has no cycle between the folders of src/', () => {
      expect(findCycle(graph)).toBeUndefined();
    });

    it('keeps config/, database/ and http/ below every feature', () => {
      expect(foundationViolations(graph)).toEqual([]);
    });

    it('keeps the operator CLI on the services the routes use: no query, no table in cli/', () => {
      const cli = Object.entries(sourceFiles(path.join(SRC, 'cli')));
      expect(cli.map(([name]) => name)).toContain(path.join('commands', 'users.command.ts'));
      const queries = cli
        .filter(([, text]) =>
          ts.preProcessFile(text, true, true).importedFiles.some((i) => i.fileName === 'drizzle-orm'),
        )
        .map(([name]) => name);
      expect(queries).toEqual([]);
      expect(graph.get('cli')?.get('database')).toBeUndefined();
    });

    it('names the imports that close a cycle, and a foundation that imports a feature', () => {
      const files: Record<string, string> = {
        [path.join('abuse', 'login-throttle-policy.ts')]: "import { normalizeEmail } from '../accounts/email';",
        [path.join('accounts', 'password.service.ts')]:
          "import type { LoginAttemptsService } from '../abuse/login-attempts.service';",
        [path.join('accounts', 'users.service.ts')]: "import { users } from '../database/schema';",
        [path.join('database', 'schema.ts')]: "import type { Role } from '../accounts/roles';",
        [path.join('http', 'client-info.ts')]: "export type { AuthConfig } from '../config/auth.config';",
        [path.join('cli', 'cli.module.ts')]: "import { authCoreModules } from '../app.module';",
        'app.module.ts': "import { UsersModule } from './accounts/users.module';",
      };
      const synthetic = folderGraph('/src', files);
      expect(findCycle(synthetic)).toBe(
        'accounts -> abuse (accounts/password.service.ts -> ../abuse/login-attempts.service); ' +
          'abuse -> accounts (abuse/login-throttle-policy.ts -> ../accounts/email)',
      );
      expect(foundationViolations(synthetic)).toEqual(['database/schema.ts -> ../accounts/roles']);

      const upAndDown = folderGraph('/src', {
        [path.join('cli', 'cli.module.ts')]: "import { authCoreModules } from '../app.module';",
        'app.ts': "const cli = import('./cli/cli.module');",
      });
      expect(findCycle(upAndDown)).toBe(
        '(root) -> cli (app.ts -> ./cli/cli.module); cli -> (root) (cli/cli.module.ts -> ../app.module)',
      );
      expect(
        findCycle(folderGraph('/src', { 'app.ts': "import { CliModule } from './cli/cli.module';" })),
      ).toBeUndefined();
    });
  });
});
