import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import ts from 'typescript';

const root = path.resolve(__dirname, '../..');

/**
 * References to documents that do not ship with the repository: a reader of the code cannot
 * follow them, so a comment states its reason in place or points at a file that is here
 * (docs/*.md, SECURITY.md, README.md). Ordinary English ("by design", "designed to") passes.
 */
const CITATIONS: readonly RegExp[] = [
  /\bDESIGN\b/, // the design document by name, DESIGN or DESIGN.md
  /\bdesign\.md\b/i,
  /\bdesign doc(ument)?\b/i,
  /\b(the|our) design\b(?! (of|for|choice))/i,
  /\bdesign(,\s*["“']|\s+step\b|\s*\))/i, // (design, "Signing"), design step 2, (design)
  /\bissues?\s*#?\d+/i,
];

const TEST_FUNCTIONS = new Set(['describe', 'it', 'test']);

/** The identifier a call chain starts from: `it`, `describe.each(rows)`, `test.skip`, ... */
function calleeRoot(expression: ts.Expression): string | undefined {
  let e: ts.Expression = expression;
  for (;;) {
    if (ts.isIdentifier(e)) {
      return e.text;
    }
    if (ts.isPropertyAccessExpression(e)) {
      e = e.expression;
    } else if (ts.isCallExpression(e)) {
      e = e.expression;
    } else {
      return undefined;
    }
  }
}

/**
 * `file:line: text` for every comment, and every test title (a string given to describe, it or
 * test), of `source` that cites a document matching CITATIONS.
 */
export function findCitations(file: string, source: string): string[] {
  const kind = /\.(c|m)?js$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, kind);
  const texts = new Map<number, string>();
  const addComments = (ranges: ts.CommentRange[] | undefined) => {
    for (const r of ranges ?? []) {
      texts.set(r.pos, source.slice(r.pos, r.end));
    }
  };
  const visit = (node: ts.Node) => {
    addComments(ts.getLeadingCommentRanges(source, node.getFullStart()));
    addComments(ts.getTrailingCommentRanges(source, node.getEnd()));
    if (ts.isCallExpression(node) && TEST_FUNCTIONS.has(calleeRoot(node.expression) ?? '')) {
      const title = node.arguments[0];
      if (title && (ts.isStringLiteral(title) || ts.isNoSubstitutionTemplateLiteral(title))) {
        texts.set(title.getStart(sf), title.getText(sf));
      }
    }
    ts.forEachChild(node, visit);
  };
  addComments(ts.getLeadingCommentRanges(source, 0));
  visit(sf);
  // Comments after the last token belong to no node.
  addComments(ts.getLeadingCommentRanges(source, sf.endOfFileToken.getFullStart()));

  const found: string[] = [];
  for (const [pos, text] of [...texts].sort(([a], [b]) => a - b)) {
    text.split('\n').forEach((line, i) => {
      if (CITATIONS.some((pattern) => pattern.test(line))) {
        const lineNumber = sf.getLineAndCharacterOfPosition(pos).line + 1 + i;
        found.push(`${file}:${lineNumber}: ${line.trim()}`);
      }
    });
  }
  return found;
}

function trackedSources(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--', '*.ts', '*.js', '*.mjs', '*.cjs'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return out.split('\0').filter((f) => f !== '' && !f.split('/').includes('node_modules'));
}

describe('comments cite only what ships', () => {
  it('finds a citation in a line comment, a block comment, a JSDoc and a test title', () => {
    const source = [
      '// See DESIGN.md for the reasons.',
      'const a = 1; // the design says so',
      '/* Cheaper per request (issue 7). */',
      'const b = 2;',
      '/**',
      ' * HS256 mode (design, "Signing"): one shared secret.',
      ' * Design step 2: reject early.',
      ' */',
      'export function f() {}',
      "describe('signing (issue #3)', () => {",
      "  it.each([1])('case %s (Issue 12)', () => {});",
      '});',
      '// trailing: see issues 4 and 5',
    ].join('\n');
    expect(findCitations('x/example.spec.ts', source)).toEqual([
      'x/example.spec.ts:1: // See DESIGN.md for the reasons.',
      'x/example.spec.ts:2: // the design says so',
      'x/example.spec.ts:3: /* Cheaper per request (issue 7). */',
      'x/example.spec.ts:6: * HS256 mode (design, "Signing"): one shared secret.',
      'x/example.spec.ts:7: * Design step 2: reject early.',
      "x/example.spec.ts:10: 'signing (issue #3)'",
      "x/example.spec.ts:11: 'case %s (Issue 12)'",
      'x/example.spec.ts:13: // trailing: see issues 4 and 5',
    ]);
  });

  it('leaves ordinary English and code alone', () => {
    const source = [
      '// Refused by design: a token names one key. Designed to fail closed.',
      "const label = 'issue 7'; // a string in code is not a comment",
      'issueTokens(7);',
      '/** The design of this cache: keyed by the signature. */',
      "it('keeps names as they were designed', () => {});",
    ].join('\n');
    expect(findCitations('x/example.mjs', source)).toEqual([]);
  });

  it('has no citation in any tracked source file', () => {
    const files = trackedSources();
    expect(files.length).toBeGreaterThan(100);
    const found = files.flatMap((file) => findCitations(file, readFileSync(path.join(root, file), 'utf8')));
    expect(found).toEqual([]);
  });
});
