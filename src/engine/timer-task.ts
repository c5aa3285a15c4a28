import { CompletableTask, type TaskObserver } from './completable-task.js';
import type { TimerTask } from './durable-task.js';

/** A durable timer. A cancelled timer never completes: its TimerFired event is ignored. */
export class DurableTimerTask extends CompletableTask<void> implements TimerTask {
  #cancelled = false;

  constructor(observer: TaskObserver, readonly fireAt: Date) {
    super(observer);
  }

  get isCancelled(): boolean {
    return this.#cancelled;
  }

  cancel(): void {
    if (!this.isCompleted) this.#cancelled = true;
  }

  /** Called for the TimerFired event; ignored once cancelled. */
  fire(): void {
    if (!this.#cancelled) this.complete(undefined);
  }
}
