import type { OrchestrationContext } from '../engine/orchestration-context.js';

/**
 * An optional base class for orchestrators. It pins the input and output types, so that
 * `OrchestratorInput<typeof MyOrchestrator>` / `OrchestratorOutput<...>` (and therefore `startNew` and
 * `callSubOrchestrator`) are typed for every subclass, including ones that inherit `run` from an abstract base.
 *
 * Subclasses are registered under their OWN name: decorating (or registering) a subclass never reuses the base
 * class's name.
 *
 * @example
 * ```ts
 * abstract class ImportOrchestrator extends DurableOrchestrator<string, number> {
 *   async run(ctx: OrchestrationContext<string>): Promise<number> {
 *     const rows = await this.fetch(ctx);
 *     return rows.length;
 *   }
 *   protected abstract fetch(ctx: OrchestrationContext<string>): Promise<string[]>;
 * }
 *
 * @Orchestrator({ name: 'CsvImport' })
 * export class CsvImport extends ImportOrchestrator {
 *   protected fetch(ctx: OrchestrationContext<string>): Promise<string[]> { return ctx.callActivity(ReadCsv, ctx.input); }
 * }
 * ```
 */
export abstract class DurableOrchestrator<TInput = unknown, TOutput = unknown> {
  /** The orchestration's body, replayed from history: deterministic, and awaiting only `ctx` tasks. */
  abstract run(ctx: OrchestrationContext<TInput>): Promise<TOutput>;
}
