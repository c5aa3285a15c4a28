import type { OrchestrationExecution } from '../engine/orchestration-execution.js';
import type { HistoryView } from '../planner/history-view.js';

/** An instance's execution kept warm between episodes: its committed history as known here, and the live orchestrator. */
export interface CachedExecution {
  readonly instanceId: string;
  readonly executionId: string;
  readonly view: HistoryView;
  /** The orchestrator, run up to the end of `view`; undefined when only the history is known (the next episode replays it). */
  readonly execution: OrchestrationExecution | undefined;
  /** Results waiting in the inbox for their scheduling commit (see the episode session): read it at the next claim. */
  readonly inboxHoldsDeferred: boolean;
}

/** Bounds of an {@link ExecutionCache}. */
export interface ExecutionCacheLimits {
  /** Most instances kept; 0 turns the cache off. */
  readonly maxInstances: number;
  /** Most bytes kept (a rough count of the histories' events and payloads). */
  readonly maxBytes: number;
}

const bytesOf = (entry: CachedExecution): number => entry.view.approximateBytes + (entry.execution?.approximateBytes ?? 0);

/**
 * The executions this process keeps between episodes (Temporal's sticky cache, Durable Functions' extended sessions):
 * an episode of an instance found here applies only its new events to the live orchestrator, with no history load and
 * no replay. Least recently used entries go first when a bound is reached.
 *
 * An entry is checked out by the session that uses it ({@link ExecutionCache.take}) and put back when the session
 * ends, so two sessions can never drive one execution. Whether an entry is still current is the caller's check, against
 * the history in the store (no chunk past the entry's end), not only the instance's summary: a stale entry whose
 * session finds nothing to commit would never see the chunks another worker appended — their consumed messages are
 * gone and their actions maybe undispatched — and would leave the instance waiting for ever.
 */
export class ExecutionCache {
  readonly #entries = new Map<string, { entry: CachedExecution; bytes: number }>();
  #bytes = 0;

  constructor(private readonly limits: ExecutionCacheLimits) {}

  /** Removes and returns the entry of an instance. */
  take(instanceId: string): CachedExecution | undefined {
    const found = this.#entries.get(instanceId);
    if (found === undefined) return undefined;
    this.#remove(instanceId, found.bytes);
    return found.entry;
  }

  /** Whether an entry of this execution is here (not checked out). */
  holds(instanceId: string, executionId: string): boolean {
    return this.#entries.get(instanceId)?.entry.executionId === executionId;
  }

  /** Keeps an entry (the most recently used), dropping the least recently used ones beyond the bounds. */
  put(entry: CachedExecution): void {
    const existing = this.#entries.get(entry.instanceId);
    if (existing !== undefined) this.#remove(entry.instanceId, existing.bytes);
    const bytes = bytesOf(entry);
    if (this.limits.maxInstances === 0 || bytes > this.limits.maxBytes) return;
    this.#entries.set(entry.instanceId, { entry, bytes });
    this.#bytes += bytes;
    for (const [instanceId, oldest] of this.#entries) {
      if (this.#entries.size <= this.limits.maxInstances && this.#bytes <= this.limits.maxBytes) break;
      this.#remove(instanceId, oldest.bytes);
    }
  }

  /** Drops an instance's entry, if any. */
  delete(instanceId: string): void {
    const found = this.#entries.get(instanceId);
    if (found !== undefined) this.#remove(instanceId, found.bytes);
  }

  /** Entries kept. */
  get size(): number {
    return this.#entries.size;
  }

  /** Their rough size in bytes. */
  get bytes(): number {
    return this.#bytes;
  }

  #remove(instanceId: string, bytes: number): void {
    this.#entries.delete(instanceId);
    this.#bytes -= bytes;
  }
}
