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
  ignores: [allowedIn].flat().map((folder) => `${folder}/**`),
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [{ regex: `^${name}(/.*)?$`, message: `'${name}' may be imported only under ${[allowedIn].flat().join('/ or ')}/.` }],
    }],
  },
});

/**
 * Durably's own determinism rules (`durably/eslint`), applied to the examples and tests as users apply them. They load
 * from the build (`npm run build` runs before lint in CI); before a first build they are skipped.
 */
const durablyRules = await import('./dist/src/eslint/index.js').then(
  (module) => [{ ...module.default.configs.recommended, files: ['examples/**/*.ts', 'test/**/*.ts'] }],
  () => [],
);

export default tseslint.config(
  // .scratch/ (git-ignored) holds your own experiments, e.g. the README's first workflow saved as a file.
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', '.scratch/**'] },
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
  // Plain JavaScript (the config itself, child-process fixtures, the dashboard's browser script) is not part of the
  // TypeScript project.
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
  },
  {
    // The replay engine and the episode planner are pure: data in, decisions out. No DI, I/O, timers, clock or
    // randomness.
    name: 'pure engine',
    files: ['src/engine/**/*.ts', 'src/history/**/*.ts', 'src/planner/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { regex: '^(mongodb|agenda|@agendajs/.*|express|tsyringe|reflect-metadata)$', message: 'The replay engine takes data in and returns decisions: no storage, scheduler, HTTP or DI.' },
          { regex: '^node:(fs|fs/promises|net|http|https|child_process|timers|timers/promises|worker_threads|dgram|dns)$', message: 'The replay engine does no I/O and uses no timers.' },
          { regex: '^\\.\\./(app|registry|runtime|adapters|http|client|embedded|entities|testing|eslint)/', message: 'The engine and the history depend only on core/, history/ and engine/; the planner also on the ports\' types (test/unit/architecture.test.ts holds the whole layering).' },
        ],
      }],
      'no-restricted-globals': ['error',
        { name: 'setTimeout', message: 'Use durable timers (ctx.createTimer); the engine reads time only from history.' },
        { name: 'setInterval', message: 'The engine uses no timers.' },
        { name: 'setImmediate', message: 'The event-loop yield is injected (yieldToEventLoop).' },
        { name: 'fetch', message: 'The engine does no I/O.' },
      ],
      'no-restricted-properties': ['error',
        { object: 'Date', property: 'now', message: 'Time comes from history (OrchestratorStarted timestamps).' },
        { object: 'Math', property: 'random', message: 'Randomness breaks replay; use ctx.newGuid().' },
      ],
    },
  },
  {
    // The dashboard's page script runs in the browser.
    name: 'dashboard browser script',
    files: ['src/http/dashboard/assets/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries([
        'window', 'document', 'location', 'sessionStorage', 'fetch', 'Headers', 'URLSearchParams', 'Node', 'Event',
        'EventListener', 'HTMLElement', 'HTMLInputElement', 'HTMLButtonElement', 'HTMLDialogElement', 'HTMLDetailsElement',
        'setTimeout', 'setInterval', 'clearInterval', 'console',
      ].map((name) => [name, 'readonly'])),
    },
  },
  ...durablyRules,
  edgeOnly('src/adapters/mongodb', 'mongodb'),
  edgeOnly('src/adapters/agenda', 'agenda'),
  edgeOnly('src/adapters/agenda', '@agendajs'),
  edgeOnly('src/http', 'express'),
);
