import { DurableError } from '../core/durable-error.js';
import { CompletableTask } from './completable-task.js';
import type { OrchestrationContext } from './orchestration-context.js';

function isGenerator(value: unknown): value is Generator<unknown, unknown, unknown> {
  return value !== null && typeof value === 'object' &&
    typeof (value as Generator).next === 'function' && typeof (value as Generator).throw === 'function';
}

/**
 * Calls the orchestrator's `run` and returns a promise of its output, whatever style it is written in: an `async`
 * method, a generator (`*run(ctx) { const x = yield ctx.callActivity(...) }`, as Durable Functions JavaScript), or a
 * plain synchronous method.
 */
export function runOrchestrator(orchestrator: { run(ctx: never): unknown }, ctx: OrchestrationContext<unknown>): Promise<unknown> {
  let result: unknown;
  try {
    result = (orchestrator.run as (ctx: OrchestrationContext<unknown>) => unknown).call(orchestrator, ctx);
  } catch (error) {
    return Promise.reject(error);
  }
  if (isGenerator(result)) return driveGenerator(result);
  return Promise.resolve(result);
}

function driveGenerator(generator: Generator<unknown, unknown, unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const step = (advance: () => IteratorResult<unknown, unknown>): void => {
      let next: IteratorResult<unknown, unknown>;
      try {
        next = advance();
      } catch (error) {
        reject(error);
        return;
      }
      if (next.done === true) {
        resolve(next.value);
        return;
      }
      const yielded = next.value;
      if (!(yielded instanceof CompletableTask)) {
        const error = new DurableError('INVALID_YIELD', `A generator orchestrator must yield durable tasks (ctx.callActivity, ctx.createTimer, ctx.whenAll, ...); it yielded ${yielded === null ? 'null' : typeof yielded}.`);
        step(() => generator.throw(error));
        return;
      }
      (yielded as CompletableTask<unknown>).then(
        (value) => step(() => generator.next(value)),
        (error: unknown) => step(() => generator.throw(error)),
      );
    };
    step(() => generator.next());
  });
}
