import type { EventRaisedEvent } from '../history/history-event.js';
import type { CompletableTask } from './completable-task.js';

/**
 * External events of one execution, matched by name (case-insensitive): the tasks waiting for each name, first come
 * first served, and the events raised while nobody waited, kept for a later wait (or carried over by continue-as-new).
 * Indexed by name, so that a wait or a raise costs the same however many events of other names are buffered.
 * Internal to the engine.
 */
export class RaisedEvents {
  readonly #waiters = new Map<string, CompletableTask<unknown>[]>();
  readonly #buffered = new Map<string, { readonly order: number; readonly event: EventRaisedEvent }[]>();
  #raised = 0;

  /** Removes and returns the earliest buffered event of this name, if any. */
  take(name: string): EventRaisedEvent | undefined {
    const key = name.toLowerCase();
    const queue = this.#buffered.get(key);
    const first = queue?.shift();
    if (queue?.length === 0) this.#buffered.delete(key);
    return first?.event;
  }

  /** Queues a task for the next event of this name. */
  wait(name: string, task: CompletableTask<unknown>): void {
    const key = name.toLowerCase();
    const waiters = this.#waiters.get(key);
    if (waiters === undefined) this.#waiters.set(key, [task]);
    else waiters.push(task);
  }

  /** Withdraws a waiting task (its wait timed out): a later event of this name must be buffered, not swallowed. */
  abandon(name: string, task: CompletableTask<unknown>): void {
    const key = name.toLowerCase();
    const waiters = this.#waiters.get(key);
    const index = waiters?.indexOf(task) ?? -1;
    if (index >= 0) waiters?.splice(index, 1);
    if (waiters?.length === 0) this.#waiters.delete(key);
  }

  /** Returns the first task waiting for this event (no longer waiting), or buffers the event and returns undefined. */
  raise(event: EventRaisedEvent): CompletableTask<unknown> | undefined {
    const key = event.name.toLowerCase();
    const waiters = this.#waiters.get(key);
    const waiter = waiters?.shift();
    if (waiters?.length === 0) this.#waiters.delete(key);
    if (waiter !== undefined) return waiter;
    const entry = { order: this.#raised++, event };
    const queue = this.#buffered.get(key);
    if (queue === undefined) this.#buffered.set(key, [entry]);
    else queue.push(entry);
    return undefined;
  }

  /** The buffered events, in the order they were raised. */
  unconsumed(): EventRaisedEvent[] {
    return [...this.#buffered.values()].flat().sort((a, b) => a.order - b.order).map((entry) => entry.event);
  }
}
