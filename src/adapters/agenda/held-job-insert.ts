import type { ObjectId } from '@agendajs/mongo-backend';
import type { JobWriteCombiner } from './job-write-combiner.js';

/** What {@link HeldJobInsert.store} found. */
export type HeldJobStored = 'inserted' | 'existed' | 'not-needed';

/**
 * The insert of a job that already runs in this process, held back until something needs the document: a job whose
 * outcome is recorded before anyone asked for it is never written at all (no insert, no finish).
 *
 * Who needs the document: the runtime before it commits a history chunk that does not record this job's outcome, or
 * before it ends its session (see StartedActivities.stored) — from then on the chunk that scheduled the job no longer
 * keeps it, the document must; and the job itself when its handler failed and it is given back. Until then the
 * history chunk that scheduled the job is its record: if this process dies, the instance's next owner dispatches that
 * chunk again (it is the last one and not marked dispatched), and the job is inserted then.
 */
export class HeldJobInsert {
  readonly #writes: JobWriteCombiner;
  readonly #doc: { readonly _id: ObjectId } & Record<string, unknown>;
  /** The insert, once sent. */
  #sent: Promise<HeldJobStored> | undefined;
  /** The job ended with its outcome recorded before the document was needed: it never will be. */
  #dropped = false;
  /** An insert failed: it may have been applied all the same, so the job is finished through its document. */
  #uncertain = false;
  /** The document is in the database (inserted, or found there). */
  #stored = false;

  constructor(writes: JobWriteCombiner, doc: { readonly _id: ObjectId } & Record<string, unknown>) {
    this.#writes = writes;
    this.#doc = doc;
  }

  /** Whether the document is in the database now (its insert answered). */
  get stored(): boolean {
    return this.#stored;
  }

  /** The job's document id. */
  get id(): ObjectId {
    return this.#doc._id;
  }

  /**
   * Sends the insert unless it was sent or dropped, and resolves once it is stored: `'inserted'`, `'existed'` (the
   * key was scheduled before), or `'not-needed'` (dropped: the job is over and its outcome recorded).
   */
  store(): Promise<HeldJobStored> {
    if (this.#dropped) return Promise.resolve('not-needed');
    // A failed insert is forgotten, so that a later call (the database back) tries again.
    this.#sent ??= this.#writes.insert(this.#doc).then(
      (inserted): HeldJobStored => {
        this.#stored = true;
        return inserted ? 'inserted' : 'existed';
      },
      (error: unknown) => {
        this.#sent = undefined;
        this.#uncertain = true;
        throw error;
      },
    );
    return this.#sent;
  }

  /**
   * The job is over and its outcome recorded: drops the insert if it was never sent (true — there is nothing to
   * finish), else false (the caller finishes the job once the insert is answered: {@link HeldJobInsert.store}) — also
   * after a failed insert, which may have landed.
   */
  drop(): boolean {
    if (this.#sent !== undefined || this.#uncertain) return false;
    this.#dropped = true;
    return true;
  }
}
