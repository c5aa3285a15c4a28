import type { OrchestrationContext } from './orchestration-context.js';

/** Any class with a `run` method (activity, orchestrator or function-style entity). */
export type RunnableClass = abstract new (...args: never[]) => { run(...args: never[]): unknown };

type RunOf<C> = C extends abstract new (...args: never[]) => infer I ? (I extends { run: infer R } ? R : never) : never;

/** The input type of an activity class, from its `run(input)` parameter. */
export type ActivityInput<C> = RunOf<C> extends (...args: infer P) => unknown ? (P extends [] ? undefined : P[0]) : unknown;

/** The output type of an activity class, from its `run` return type (awaited). */
export type ActivityOutput<C> = RunOf<C> extends (...args: never[]) => infer O ? Awaited<O> : unknown;

/** The input type of an orchestrator class, from `run(ctx: OrchestrationContext<TInput>)`. */
export type OrchestratorInput<C> = RunOf<C> extends (ctx: OrchestrationContext<infer I>, ...rest: never[]) => unknown ? I : unknown;

/** The output type of an orchestrator class: its `run` result, awaited, or a generator's return value. */
export type OrchestratorOutput<C> = RunOf<C> extends (...args: never[]) => infer O
  ? O extends Generator<unknown, infer R, unknown> ? R : Awaited<O>
  : unknown;

/** Arguments after the activity: the input is optional exactly when the activity accepts `undefined`. */
export type InputArgs<TInput, TOptions> = undefined extends TInput
  ? [input?: TInput, options?: TOptions]
  : [input: TInput, options?: TOptions];
