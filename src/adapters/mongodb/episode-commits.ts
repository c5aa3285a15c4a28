import { randomUUID } from 'node:crypto';
import type { Filter, UpdateFilter } from 'mongodb';
import { DurableError } from '../../core/durable-error.js';
import type { HistoryEvent } from '../../history/history-event.js';
import type { ContinueAsNewCommit, EpisodeAppend, EpisodeCommit, HistoryChunk } from '../../ports/instance-store.js';
import { assembleChunks, episodeDocuments, streamChunks } from './history-chunks.js';
import { episodeUpdate } from './instance-updates.js';
import { assertDate, assertInteger, assertKey, assertPayload } from './store-arguments.js';
import { headId, type InstanceDocument } from './storage-documents.js';
import { isDuplicateKey, type StoreCollections } from './store-collections.js';
import { commitInOneRequest, type OneRequestOutcome } from './one-request-commit.js';

/**
 * Episode commits and histories of {@link MongoInstanceStore}. An episode commits by inserting its history document,
 * whose `_id` (instance, execution, first event index) is unique — of two workers committing the same episode exactly
 * one succeeds — then the instance is updated under the lease token and a version check, then the consumed messages
 * are deleted (each chunk lists them, so a crash in between cannot apply them twice). The insert and the update are one
 * ordered request where the server can (MongoDB 8.0's `bulkWrite`; see {@link commitInOneRequest}). A chunk that
 * landed but whose instance update missed stays history and flags the instance for work — unless its execution has
 * ended.
 */
export class EpisodeCommits {
  readonly #c: StoreCollections;
  /** Whether commits can be one request (see #commitInOneRequest): unknown until the first commit tells. */
  #oneRequest: boolean | undefined;

  constructor(collections: StoreCollections) {
    this.#c = collections;
  }

  /** See `InstanceStore.loadHistory`. */
  async loadHistory(instanceId: string, executionId: string): Promise<HistoryChunk[]> {
    assertKey(instanceId, 'instanceId');
    assertKey(executionId, 'executionId');
    const docs = await this.#c.history.find({ instanceId, executionId }, { sort: { firstEventIndex: 1 } }).toArray();
    return assembleChunks(docs);
  }

  /** See `InstanceStore.readHistory`: the chunks streamed from a cursor, about one in memory at a time. */
  async *readHistory(instanceId: string, executionId: string): AsyncGenerator<HistoryChunk> {
    assertKey(instanceId, 'instanceId');
    assertKey(executionId, 'executionId');
    yield* streamChunks(this.#c.history.find({ instanceId, executionId }, { sort: { firstEventIndex: 1 } }));
  }

  /** See `InstanceStore.hasHistoryBeyond`: whether a chunk starts at index `length`. */
  async hasHistoryBeyond(instanceId: string, executionId: string, length: number): Promise<boolean> {
    assertKey(instanceId, 'instanceId');
    assertKey(executionId, 'executionId');
    assertInteger(length, 'length', 0);
    return (await this.#c.history.findOne({ instanceId, _id: headId(instanceId, executionId, length) }, { projection: { _id: 1 } })) !== null;
  }

  /** See `InstanceStore.commitEpisode`. */
  async commitEpisode(commit: EpisodeCommit): Promise<boolean> {
    const { instanceId, executionId, chunk, now } = commit;
    assertEpisode(commit, 'commit');
    assertInteger(commit.expectedVersion, 'expectedVersion', 0);

    // (1) The history document(s), then (2) the instance, only if nobody moved it on since the claim.
    const filter = { _id: instanceId, executionId, version: commit.expectedVersion, 'lease.token': commit.leaseToken };
    const update = episodeUpdate(commit);
    let outcome = this.#oneRequest === false ? 'unsupported' : await this.#commitInOneRequest(commit, filter, update);
    if (outcome === 'unsupported') {
      outcome = !(await this.#insertChunk(instanceId, executionId, chunk, now)) ? 'collided'
        : (await this.#c.instances.updateOne(filter, update)).matchedCount === 1 ? 'committed' : 'missed';
    }
    if (outcome === 'collided') return false;
    if (outcome === 'committed') {
      // (3) Applied messages go. A crash before this leaves them queued, but the chunk lists them as consumed.
      await this.#deleteConsumed(instanceId, chunk);
      return true;
    }

    // The lease was lost (expired and taken, or released) after this worker loaded the history.
    const current = await this.#c.instances.findOne({ _id: instanceId }, { projection: { executionId: 1 } });
    if (current?.executionId !== executionId) {
      // The execution ended meanwhile (continued as new, replaced, purged): the chunk extends a history nobody will
      // read. Its messages may be meant for the new execution, so they stay; the chunk goes.
      await this.#c.history.deleteMany({ instanceId, executionId });
      return false;
    }
    // Same execution: the chunk is still a valid continuation — it was built on the history as loaded, at its end
    // (the insert would have collided otherwise) — so it is history now, its messages are applied, and whoever
    // commits next in this execution loads it. But the instance does not reflect it yet: flag work so that the
    // current or next lease holder runs an episode that loads it, re-dispatches its actions (it is `undispatched`)
    // and brings the instance up to date.
    await this.#deleteConsumed(instanceId, chunk);
    await this.#c.flagWork(instanceId, now);
    return false;
  }

  /**
   * (1) and (2) in one ordered request where the server has MongoDB 8.0's `bulkWrite`; `unsupported` (nothing written)
   * where it has not, which is remembered: later commits take two requests straight away.
   */
  async #commitInOneRequest(commit: EpisodeCommit, filter: Filter<InstanceDocument>, update: UpdateFilter<InstanceDocument>): Promise<OneRequestOutcome> {
    const { instanceId, executionId, chunk, now } = commit;
    const commitId = randomUUID();
    const { head, parts } = episodeDocuments({ instanceId, executionId, chunk, commitId, now });
    const outcome = await commitInOneRequest({
      client: this.#c.client,
      historyNamespace: this.#c.history.namespace,
      instancesNamespace: this.#c.instances.namespace,
      documents: [...parts, head],
      instanceFilter: filter,
      instanceUpdate: update,
      writeConcern: this.#c.instances.writeConcern,
    });
    if (outcome === 'unsupported') this.#oneRequest = false;
    if (outcome === 'collided') await this.#dropParts(instanceId, executionId, commitId, parts.length);
    return outcome;
  }

  /** See `InstanceStore.appendEpisode`: the chunk alone, the instance untouched. */
  async appendEpisode(append: EpisodeAppend): Promise<boolean> {
    const { instanceId, executionId, chunk, now } = append;
    assertEpisode(append, 'append');
    if (!(await this.#insertChunk(instanceId, executionId, chunk, now))) return false;
    await this.#deleteConsumed(instanceId, chunk);
    return true;
  }

  /** See `InstanceStore.markDispatched`: clears the chunk's `undispatched` flag. */
  async markDispatched(instanceId: string, executionId: string, firstEventIndex: number): Promise<void> {
    assertKey(instanceId, 'instanceId');
    assertKey(executionId, 'executionId');
    assertInteger(firstEventIndex, 'firstEventIndex', 0);
    // The shard key (instanceId) beside the `_id` it is part of: on a sharded cluster the write goes to one shard.
    await this.#c.history.updateOne({ instanceId, _id: headId(instanceId, executionId, firstEventIndex) }, { $set: { undispatched: false } });
  }

  /** See `InstanceStore.continueAsNew`: the execution switch in one update under the lease, then the old history goes. */
  async continueAsNew(commit: ContinueAsNewCommit): Promise<boolean> {
    assertKey(commit.instanceId, 'instanceId');
    assertKey(commit.leaseToken, 'leaseToken');
    assertKey(commit.executionId, 'executionId');
    assertPayload(commit.input, 'input');
    assertDate(commit.now, 'now');
    const carryover: unknown = commit.carryoverEvents ?? [];
    if (!Array.isArray(carryover)) throw new DurableError('INVALID_ARGUMENT', 'carryoverEvents must be an array of history events.');
    const set: Record<string, unknown> = {
      executionId: commit.executionId,
      runtimeStatus: 'Running',
      historyLength: 0,
      lastUpdatedTime: commit.now,
      'work.pending': true,
      'work.availableAt': commit.now,
    };
    const unset: Record<string, ''> = { output: '', customStatus: '', failureDetails: '', completedTime: '', stuck: '', stuckSince: '', stuckFingerprint: '', scheduledStartTime: '' };
    if (commit.input === undefined) unset['input'] = '';
    else set['input'] = commit.input;
    // Stored with the switch itself, so that no carried-over event can be lost between two writes.
    if (carryover.length > 0) set['carryoverEvents'] = [...(carryover as HistoryEvent[])];
    else unset['carryoverEvents'] = '';
    const result = await this.#c.instances.updateOne(
      { _id: commit.instanceId, 'lease.token': commit.leaseToken },
      { $set: set, $unset: unset, $inc: { version: 1, 'work.seq': 1 } },
    );
    if (result.matchedCount === 0) return false;
    // After the switch, not before: until then the old execution is the instance's history.
    await this.#c.deleteHistoryExcept(commit.instanceId, commit.executionId);
    return true;
  }

  /**
   * Inserts an episode's history document(s): false when another chunk holds that index. Parts of a split episode go
   * first: they stay invisible until the head exists.
   */
  async #insertChunk(instanceId: string, executionId: string, chunk: HistoryChunk, now: Date): Promise<boolean> {
    const commitId = randomUUID();
    const { head, parts } = episodeDocuments({ instanceId, executionId, chunk, commitId, now });
    if (parts.length > 0) await this.#c.history.insertMany(parts, { ordered: true });
    try {
      await this.#c.history.insertOne(head);
      return true;
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      await this.#dropParts(instanceId, executionId, commitId, parts.length);
      return false;
    }
  }

  // Another worker committed this episode first: this attempt never happened, and the parts inserted before its head go.
  async #dropParts(instanceId: string, executionId: string, commitId: string, parts: number): Promise<void> {
    if (parts > 0) await this.#c.history.deleteMany({ instanceId, executionId, commitId });
  }

  async #deleteConsumed(instanceId: string, chunk: HistoryChunk): Promise<void> {
    if (chunk.consumedMessageIds.length > 0) await this.#c.inbox.deleteMany({ instanceId, _id: { $in: [...chunk.consumedMessageIds] } });
  }
}

/** The arguments every episode write shares: IDs, lease token, time, and a non-empty chunk with valid message IDs. */
function assertEpisode(episode: EpisodeAppend, what: 'commit' | 'append'): void {
  assertKey(episode.instanceId, 'instanceId');
  assertKey(episode.executionId, 'executionId');
  assertKey(episode.leaseToken, 'leaseToken');
  assertInteger(episode.chunk.firstEventIndex, 'chunk.firstEventIndex', 0);
  assertDate(episode.now, 'now');
  if (!Array.isArray(episode.chunk.events) || episode.chunk.events.length === 0) {
    throw new DurableError('INVALID_ARGUMENT', `An episode ${what} needs at least one history event.`);
  }
  episode.chunk.consumedMessageIds.forEach((id, i) => assertKey(id, `chunk.consumedMessageIds[${i}]`));
}
