// Flat ESLint config: type-aware rules, zero warnings (`eslint --max-warnings 0`), and Nx module
// boundaries that make "an app never imports another app; libs never import apps" a lint error.
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/** Who may depend on whom, by project tag (see each project.json). */
export const depConstraints = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:contracts'] },
  { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', 'type:contracts'] },
  // Contracts are the shared vocabulary: they import nothing of ours.
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: [] },
  // Between the libs, dependencies run one way only: contracts <- platform <- auth, and the
  // browser SDK stands beside them on contracts alone (it ships to browsers, no Nest, no NATS).
  { sourceTag: 'scope:platform', onlyDependOnLibsWithTags: ['scope:contracts'] },
  { sourceTag: 'scope:auth', onlyDependOnLibsWithTags: ['scope:platform', 'scope:contracts'] },
  { sourceTag: 'scope:client', onlyDependOnLibsWithTags: ['scope:contracts'] },
  // The system tests run the apps as processes; they import only libs.
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib', 'type:contracts'] },
  { sourceTag: 'type:tooling', onlyDependOnLibsWithTags: [] },
  // The web console runs in a browser: only the browser SDK (which brings the contract types).
  { sourceTag: 'type:web', onlyDependOnLibsWithTags: ['runtime:browser'] },
];

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/.data/**',
      '**/.nx/**',
      '**/migrations/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          // The console's Vite config runs in Node, outside the browser program of apps/web/tsconfig.json.
          allowDefaultProject: ['apps/web/vite.config.mts'],
          defaultProject: 'apps/web/tsconfig.node.json',
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { enforceBuildableLibDependency: false, allow: [], depConstraints, banTransitiveDependencies: false },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      curly: ['error', 'all'],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', '**/testing.ts', '**/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  prettier,
);
