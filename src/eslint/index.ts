/**
 * `durably/eslint`: ESLint rules that catch non-deterministic code in orchestrators (classes decorated
 * `@Orchestrator()` or extending `DurableOrchestrator`) at edit time, each with the fix in its message. Orchestrators
 * are replayed from history, so their code must make the same decisions every time; see docs/concepts.md.
 *
 * @example
 * ```js
 * // eslint.config.js
 * import durably from 'durably/eslint';
 * export default [
 *   // ...your config,
 *   durably.configs.recommended,
 * ];
 * ```
 *
 * @module
 */
import type { ESLint, Linter, Rule } from 'eslint';
import { noIo, noModuleState, noNonDurableAwait, noProcessEnv, noRandom, noTimers, noWallClock } from './determinism-rules.js';

/** The rules, by name (prefixed `durably/` in a config). */
export const rules: Record<string, Rule.RuleModule> = {
  'no-wall-clock': noWallClock,
  'no-random': noRandom,
  'no-timers': noTimers,
  'no-io': noIo,
  'no-process-env': noProcessEnv,
  'no-non-durable-await': noNonDurableAwait,
  'no-module-state': noModuleState,
};

const plugin: ESLint.Plugin & { configs: { recommended: Linter.Config } } = {
  meta: { name: 'durably', version: '0.1.0' },
  rules,
  configs: { recommended: {} },
};

/** Every rule as an error, for TypeScript and JavaScript files. */
plugin.configs.recommended = {
  name: 'durably/recommended',
  plugins: { durably: plugin },
  rules: Object.fromEntries(Object.keys(rules).map((name) => [`durably/${name}`, 'error'])),
};

export default plugin;
