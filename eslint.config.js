// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Each third-party runtime is imported in exactly one folder of src/ (ports in the core, adapters at the edge).
 * Import cycles are checked by test/unit/architecture.test.ts: the eslint import plugins need native resolver
 * bindings that `npm ci` cannot lock on every platform.
 */
const edgeOnly = (allowedIn, name) => ({
  name: `edge-only ${name}`,
  files: ['src/**/*.ts'],
  ignores: [`${allowedIn}/**`],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [{ regex: `^${name}(/.*)?$`, message: `'${name}' may be imported only under ${allowedIn}/.` }],
    }],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests reach into internals and assert on loosely typed driver results.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  // Plain JavaScript (the config itself, child-process fixtures) is not part of the TypeScript project.
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
  },
  edgeOnly('src/adapters/mongodb', 'mongodb'),
  edgeOnly('src/adapters/agenda', 'agenda'),
  edgeOnly('src/adapters/agenda', '@agendajs'),
  edgeOnly('src/http', 'express'),
);
