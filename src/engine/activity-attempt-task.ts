import { TaskCanceledError } from '../core/errors/task-canceled-error.js';
import type { EncodedPayload } from '../history/history-event.js';
import { CompletableTask, type TaskObserver } from './completable-task.js';
import type { ActivityTask } from './durable-task.js';

/**
 * One scheduled activity (one attempt of a call): completes or fails from history. `cancel()` fails it at once with
 * {@link TaskCanceledError} and has the cancellation recorded (`onCancel`), which aborts the activity's signal
 * wherever it runs and keeps a late result out of history.
 */
export class ActivityAttemptTask<T> extends CompletableTask<T> implements ActivityTask<T> {
  #cancelled = false;
  /** The heartbeat details the attempt left when it failed (from its TaskFailed event). */
  heartbeatDetails: EncodedPayload;

  constructor(
    observer: TaskObserver,
    readonly activityName: string,
    private readonly onCancel: (reason: string) => void,
  ) {
    super(observer);
  }

  get isCancelled(): boolean {
    return this.#cancelled;
  }

  cancel(): void {
    this.cancelWith('cancelled by the orchestration');
  }

  /** Cancels with `reason` (recorded in history, and the message the waiting code gets). No-op once settled. */
  cancelWith(reason: string): void {
    if (this.isCompleted) return;
    this.#cancelled = true;
    this.onCancel(reason);
    this.fail(new TaskCanceledError(`Activity '${this.activityName}' was ${reason}.`));
  }
}
