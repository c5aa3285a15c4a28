import type { DurableTask } from './durable-task.js';

/** What a task tells the executor about: being awaited by orchestrator code, and waking it up. */
export interface TaskObserver {
  /** Orchestrator code called `then` on this pending task (it is now waiting for it). */
  awaited(task: CompletableTask<unknown>): void;
  /**
   * A settled task had continuations: orchestrator code will run in the next microtasks. Every awaited task reports
   * this exactly once (awaiting a pending task adds a continuation), so it also ends the wait `awaited` announced.
   */
  resumed(task: CompletableTask<unknown>): void;
}

type Listener = (task: CompletableTask<unknown>) => void;

/**
 * The one task implementation: settled only by the executor (from history), awaitable by orchestrator code. `then`
 * returns a native promise, so `await` works; settling resolves it, and the executor then lets microtasks run.
 */
export class CompletableTask<T> implements DurableTask<T> {
  #state: 'pending' | 'completed' | 'failed' = 'pending';
  #result: T | undefined;
  #error: unknown;
  #continuations: Array<{ resolve: (value: T) => void; reject: (error: unknown) => void }> = [];
  #listeners: Listener[] = [];
  #awaited = false;

  constructor(protected readonly observer: TaskObserver) {}

  get isCompleted(): boolean {
    return this.#state !== 'pending';
  }

  get isFaulted(): boolean {
    return this.#state === 'failed';
  }

  get result(): T | undefined {
    return this.#result;
  }

  /** The error of a failed task. */
  get error(): unknown {
    return this.#error;
  }

  /** True while orchestrator code waits for this pending task. */
  get isAwaited(): boolean {
    return this.#awaited && this.#state === 'pending';
  }

  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const promise = new Promise<T>((resolve, reject) => {
      if (this.#state === 'completed') resolve(this.#result as T);
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the failure is whatever was recorded or thrown; it is passed on unchanged
      else if (this.#state === 'failed') reject(this.#error);
      else {
        this.#continuations.push({ resolve, reject });
        this.#awaited = true;
        this.observer.awaited(this as CompletableTask<unknown>);
      }
    });
    return promise.then(onFulfilled, onRejected);
  }

  /** Internal composition (whenAll, whenAny, retries, timeouts): called synchronously on settlement. */
  onSettled(listener: Listener): void {
    if (this.#state !== 'pending') listener(this as CompletableTask<unknown>);
    else this.#listeners.push(listener);
  }

  /** Completes the task; later calls are ignored (duplicates from history are absorbed). */
  complete(result: T): void {
    if (this.#state !== 'pending') return;
    this.#state = 'completed';
    this.#result = result;
    this.#settle();
  }

  /** Fails the task; later calls are ignored. */
  fail(error: unknown): void {
    if (this.#state !== 'pending') return;
    this.#state = 'failed';
    this.#error = error;
    this.#settle();
  }

  #settle(): void {
    const continuations = this.#continuations;
    this.#continuations = [];
    if (continuations.length > 0) this.observer.resumed(this as CompletableTask<unknown>);
    for (const { resolve, reject } of continuations) {
      if (this.#state === 'completed') resolve(this.#result as T);
      else reject(this.#error);
    }
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const listener of listeners) listener(this as CompletableTask<unknown>);
  }
}
