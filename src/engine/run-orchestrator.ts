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
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- user code may throw non-Errors; failureDetailsFrom handles them
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
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- forwarded unchanged, as above
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
      const task = yielded as CompletableTask<unknown>;
      // The outcome is read from the task, not from the promise `then` gives: a promise adopts a thenable value, so
      // whenAny's result (the winning task) would arrive as the winner's value, or its error, instead of the task.
      const resume = (): void => step(() => (task.isFaulted ? generator.throw(task.error) : generator.next(task.result)));
      task.then(resume, resume);
    };
    step(() => generator.next());
  });
}
