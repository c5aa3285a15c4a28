import { CompletableTask, type TaskObserver } from './completable-task.js';

/**
 * Completes with every result (in input order) once all tasks completed; if any failed, fails with the first failure
 * (in the order failures happened) — but only once every task is terminal, as Durable Functions does.
 */
export class WhenAllTask<T> extends CompletableTask<T[]> {
  constructor(observer: TaskObserver, tasks: readonly CompletableTask<T>[]) {
    super(observer);
    let remaining = tasks.length;
    let firstFailure: { error: unknown } | undefined;
    if (remaining === 0) {
      this.complete([]);
      return;
    }
    for (const task of tasks) {
      task.onSettled((settled) => {
        if (settled.isFaulted && firstFailure === undefined) firstFailure = { error: settled.error };
        remaining--;
        if (remaining > 0) return;
        if (firstFailure !== undefined) this.fail(firstFailure.error);
        else this.complete(tasks.map((t) => t.result as T));
      });
    }
  }
}

/** Completes with the first task to complete (successfully or not): the task itself, as Durable Functions does. */
export class WhenAnyTask<T extends CompletableTask<unknown>> extends CompletableTask<T> {
  constructor(observer: TaskObserver, tasks: readonly T[]) {
    super(observer);
    for (const task of tasks) task.onSettled(() => this.complete(task));
  }
}
