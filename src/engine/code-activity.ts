import type { CompletableTask, TaskObserver } from './completable-task.js';

/**
 * What the orchestrator code is doing, as its tasks report it (the executor's {@link TaskObserver}): which durable
 * tasks it awaits, whether it resumed since the last event was applied (so that it must be let run), and whether it
 * ran outside an episode (woken by something not durable). Internal to the engine.
 */
export class CodeActivity implements TaskObserver {
  /** Pending tasks the code awaits (each leaves when it settles: see `resumed`). */
  readonly #awaitedTasks = new Set<CompletableTask<unknown>>();
  #resumed = false;
  #inEpisode = false;
  #ranBetweenEpisodes = false;

  awaited(task: CompletableTask<unknown>): void {
    this.acting();
    this.#awaitedTasks.add(task);
  }

  resumed(task: CompletableTask<unknown>): void {
    this.#awaitedTasks.delete(task);
    this.#resumed = true;
  }

  /** An event is about to be applied: nothing has resumed since. */
  beginEvent(): void {
    this.#resumed = false;
  }

  /** The code was started: starting it is itself a resumption (it must be let run to its first durable await). */
  started(): void {
    this.#resumed = true;
  }

  /** True when the code resumed (or started) since {@link CodeActivity.beginEvent}. */
  get hasResumed(): boolean {
    return this.#resumed;
  }

  /** True while the code awaits at least one durable task. */
  get waitingOnDurableWork(): boolean {
    return this.#awaitedTasks.size > 0;
  }

  /** Whether an episode is being applied; code acting outside one ran between episodes. */
  set inEpisode(value: boolean) {
    this.#inEpisode = value;
  }

  /** The code did something (took an action, awaited, ended): noted when it happens between episodes. */
  acting(): void {
    if (!this.#inEpisode) this.#ranBetweenEpisodes = true;
  }

  /**
   * True once the code did something between episodes — woken by something not durable (a `setTimeout`, a plain
   * promise, I/O) after the last episode's events were applied.
   */
  get ranBetweenEpisodes(): boolean {
    return this.#ranBetweenEpisodes;
  }
}
