import { CompletableTask, type TaskObserver } from './completable-task.js';
import type { TimerTask } from './durable-task.js';

/**
 * A durable timer. A cancelled timer never completes: its TimerFired event is ignored, and (engine version 2) the
 * cancellation is recorded so that the runtime removes its job.
 */
export class DurableTimerTask extends CompletableTask<void> implements TimerTask {
  #cancelled = false;
  readonly #onCancel: (() => void) | undefined;

  constructor(observer: TaskObserver, readonly fireAt: Date, onCancel?: () => void) {
    super(observer);
    this.#onCancel = onCancel;
  }

  get isCancelled(): boolean {
    return this.#cancelled;
  }

  cancel(): void {
    if (this.isCompleted || this.#cancelled) return;
    this.#cancelled = true;
    this.#onCancel?.();
  }

  /** Called for the TimerFired event; ignored once cancelled. */
  fire(): void {
    if (!this.#cancelled) this.complete(undefined);
  }
}
