import { DurableError } from '../core/durable-error.js';
import { TERMINAL_STATUSES, type InstanceStore } from '../ports/instance-store.js';
import type { WorkScheduler } from '../ports/work-scheduler.js';

/** Options of {@link DurableClient.terminate}. */
export interface TerminateOptions {
  /**
   * Whether the instance's running sub-orchestrations are terminated too — and theirs, down the whole tree — with the
   * same reason. Default `true` (as Temporal's default parent close policy); `false` leaves them running (each
   * reports to its terminated parent, which ignores it). Carried out durably by the worker: see docs/orchestrations.md.
   */
  readonly recursive?: boolean;
}

/** Options of {@link DurableClient.purgeInstanceHistory}. */
export interface PurgeInstanceOptions {
  /**
   * Whether the instance's finished sub-orchestrations are purged too, down the tree (at most
   * {@link MAX_PURGE_DEPTH} levels below it). Default `true`. A sub-orchestration that is still running is left, with
   * everything below it.
   */
  readonly recursive?: boolean;
}

/**
 * How many levels of sub-orchestrations below the purged instance a recursive purge reaches: deeper ones are left
 * (purge them by ID). It bounds the purge's memory (one batch of children per level) and its nesting.
 */
export const MAX_PURGE_DEPTH = 64;

/**
 * The `recursive` option of terminate and purge: `true` unless given.
 * @throws DurableError `INVALID_ARGUMENT` when it is given and not a boolean.
 */
export function recursiveOption(options: { readonly recursive?: boolean } | undefined, method: string): boolean {
  const recursive: unknown = options?.recursive;
  if (recursive === undefined) return true;
  if (typeof recursive !== 'boolean') throw new DurableError('INVALID_ARGUMENT', `${method}: options.recursive must be true or false`);
  return recursive;
}

/**
 * Purges an instance (its pending jobs, then the instance with its history and messages) and, with `recursive`, its
 * finished sub-orchestrations first, depth first: a purge interrupted half way never leaves a child whose parent is
 * gone (purging the parent again finishes the job). Children are read a batch at a time from the store; an instance
 * met again on its own ancestry (an ID reused down the tree) is not visited twice. Returns how many instances were
 * deleted, descendants included. With `only`, nothing is done unless the instance is still that execution and
 * finished.
 */
export async function purgeInstanceTree(
  store: InstanceStore, scheduler: WorkScheduler, instanceId: string, recursive: boolean, only?: { readonly executionId: string },
): Promise<{ instancesDeleted: number }> {
  if (only !== undefined) {
    // Only while it is still that finished execution (retention, purges by completion time): an instance restarted
    // or rewound since it was found keeps its jobs and children. Its jobs are cancelled right after the check, before
    // the children are visited, so that the window for a restart in between stays one round trip.
    const state = await store.getInstance(instanceId);
    if (state === undefined || state.executionId !== only.executionId || !TERMINAL_STATUSES.has(state.runtimeStatus)) return { instancesDeleted: 0 };
    await scheduler.cancelInstanceJobs(instanceId);
  }
  const descendants = recursive ? await purgeDescendants(store, scheduler, instanceId, new Set([instanceId]), 1) : 0;
  if (only === undefined) await scheduler.cancelInstanceJobs(instanceId);
  return { instancesDeleted: descendants + await store.purgeInstance(instanceId, only) };
}

async function purgeDescendants(store: InstanceStore, scheduler: WorkScheduler, parentId: string, ancestry: Set<string>, depth: number): Promise<number> {
  if (depth > MAX_PURGE_DEPTH) return 0;
  let deleted = 0;
  for await (const child of store.readChildren(parentId)) {
    // A running child keeps its subtree: purging under it would pull history from instances still at work.
    if (!TERMINAL_STATUSES.has(child.runtimeStatus) || ancestry.has(child.instanceId)) continue;
    ancestry.add(child.instanceId);
    deleted += await purgeDescendants(store, scheduler, child.instanceId, ancestry, depth + 1);
    ancestry.delete(child.instanceId);
    await scheduler.cancelInstanceJobs(child.instanceId);
    deleted += await store.purgeInstance(child.instanceId);
  }
  return deleted;
}
