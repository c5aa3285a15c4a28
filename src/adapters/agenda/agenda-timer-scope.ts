import { AsyncLocalStorage, createHook } from 'node:async_hooks';

// Above this many tracked timers, fired and cleared ones are dropped from the set (see #prune).
const PRUNE_THRESHOLD = 256;

/**
 * Collects the timers Agenda creates while it works for one scheduler, so that `stop()` can release them.
 *
 * Why it exists: Agenda 6.2.6 (`JobProcessor.runOrRetry`) races every job against a `checkIfJobIsStillAlive` loop that
 * awaits `delay(max(processEvery / 2, lockLifetime / 2))`, a bare `setTimeout` that is never stored, cleared or
 * unref'd. With a five-minute lock lifetime, every executed job leaves a 2.5-minute timer that keeps the process (or a
 * jest run) alive after `agenda.stop()`. `jobProcessing` arms a second kind for jobs due within `processEvery`. Agenda
 * exposes no handle to either, so the scope finds them itself: code that runs on the scheduler's behalf (`agenda.start()`,
 * which owns the polling interval and everything it triggers, and each notification from the in-process channel) runs
 * inside {@link AgendaTimerScope.run}; an `async_hooks` init hook files every `Timeout` created in that async context
 * under the scope. Job handlers run {@link AgendaTimerScope.outside} the scope: their timers are theirs to manage.
 *
 * On `stop()` the scope is {@link AgendaTimerScope.release}d: every collected timer is **unref'd**, and timers created
 * in the scope afterwards (the liveness loop of a job still running past the grace period, or a near-future timer
 * armed by a queue pass that was in flight) are unref'd as soon as they are created. Unref rather than clear, because
 * the scope also sees timers of the MongoDB driver created during Agenda's queries (server selection, connection
 * checkout): clearing one of those could strand an operation, while unref only stops a timer from holding the process
 * open and changes nothing about when or whether it fires. It is safe for Agenda's own timers too: the liveness check
 * finds the job finished (`!jobIsRunning`) and returns, and a near-future timer finds the processor stopped. While the
 * scheduler runs nothing is changed: Agenda's polling interval keeps the process alive, as before.
 *
 * The hook (and the `AsyncLocalStorage` it reads) is enabled only while at least one scope is open; it costs roughly
 * 60–70 ns per promise created in the process (measured on Node 20), negligible next to a database round trip.
 */
export class AgendaTimerScope {
  static readonly #current = new AsyncLocalStorage<AgendaTimerScope>();
  static #openScopes = 0;
  static readonly #hook = createHook({
    init(_asyncId, type, _triggerAsyncId, resource) {
      if (type !== 'Timeout') return;
      const scope = AgendaTimerScope.#current.getStore();
      if (scope !== undefined) scope.#track(resource as NodeJS.Timeout);
    },
  });

  readonly #timers = new Set<NodeJS.Timeout>();
  #state: 'new' | 'open' | 'released' | 'closed' = 'new';

  /** Runs `fn` outside every scope: timers it creates (now or in its continuations) are never collected. */
  static outside<T>(fn: () => T): T {
    return AgendaTimerScope.#current.exit(fn);
  }

  /** How many timers are collected and not yet released (for tests and diagnostics). */
  get size(): number {
    return this.#timers.size;
  }

  /** Starts collecting: enables the process-wide hook if this is the first open scope. Idempotent. */
  open(): void {
    if (this.#state !== 'new') return;
    this.#state = 'open';
    if (AgendaTimerScope.#openScopes++ === 0) AgendaTimerScope.#hook.enable();
  }

  /** Runs `fn` in this scope: timers created by it and by every async continuation of it are collected. */
  run<T>(fn: () => T): T {
    return AgendaTimerScope.#current.run(this, fn);
  }

  /** Unrefs every collected timer; timers created in the scope from now on are unref'd at creation. Idempotent. */
  release(): void {
    if (this.#state === 'open') this.#state = 'released';
    for (const timer of this.#timers) timer.unref();
    this.#timers.clear();
  }

  /**
   * Releases, then stops watching: disables the hook when no other scope is open. Call it once nothing can create
   * timers in the scope any more (Agenda stopped and its last running job settled).
   */
  close(): void {
    this.release();
    if (this.#state === 'released') {
      this.#state = 'closed';
      if (--AgendaTimerScope.#openScopes === 0) {
        AgendaTimerScope.#hook.disable();
        // Lets Node drop its own async_hooks bookkeeping once no other storage needs it.
        AgendaTimerScope.#current.disable();
      }
    }
  }

  #track(timer: NodeJS.Timeout): void {
    if (this.#state !== 'open') {
      timer.unref();
      return;
    }
    this.#timers.add(timer);
    if (this.#timers.size > PRUNE_THRESHOLD) this.#prune();
  }

  // Node marks a Timeout `_destroyed` once it fired (non-repeating) or was cleared; `hasRef()` stays true after a
  // timer fires, so it cannot tell. Should a Node version drop the field, nothing is pruned: the set then only grows
  // by one small object per job until stop() releases it.
  #prune(): void {
    for (const timer of this.#timers) {
      if ((timer as { _destroyed?: unknown })._destroyed === true) this.#timers.delete(timer);
    }
  }
}
