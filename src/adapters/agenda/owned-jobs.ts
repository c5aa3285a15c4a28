import type { ObjectId } from '@agendajs/mongo-backend';
import { FinishedJobName, type JobName } from './job-name.js';
import { failureReason, finishedFields } from './agenda-job-document.js';
import { describeError, retryDelayMs } from './job-failure.js';
import type { JobCollection, JobWriteCombiner } from './job-write-combiner.js';
import { LockHeartbeat } from './lock-heartbeat.js';

type DurablyJobName = typeof JobName[keyof typeof JobName];

/**
 * The writes of a worker to the jobs it holds the lock of (`lastModifiedBy` = its {@link OwnedJobs.owner} name):
 * renewing the lock, finishing, giving back. Each write applies only while the worker still holds the job: if its
 * lock expired and another worker took the job over, that worker finishes it. All of them go through the
 * {@link JobWriteCombiner}, and none of them rejects: a write that fails leaves the job locked until its lock
 * expires, and then a worker runs it again (the outcome recorded the first time absorbs the second run).
 */
export class OwnedJobs {
  constructor(
    readonly jobs: JobCollection,
    readonly writes: JobWriteCombiner,
    /** Agenda's name of this worker: `lastModifiedBy` of every lock it takes. */
    readonly owner: string,
    readonly lockLifetimeMs: number,
    readonly log: (line: string) => void,
  ) {}

  /** The lock deadline now: a job locked before it belongs to a worker that died (or froze), and may be taken over. */
  lockDeadline(now: Date): Date {
    return new Date(now.getTime() - this.lockLifetimeMs);
  }

  /** Renews the job's lock every third of the lock lifetime until stopped. */
  heartbeat(id: ObjectId, what: string): LockHeartbeat {
    return new LockHeartbeat(
      () => this.writes.update({ _id: id, lastModifiedBy: this.owner, lockedAt: { $ne: null } }, { $set: { lockedAt: new Date() } }),
      Math.max(1, Math.floor(this.lockLifetimeMs / 3)),
      (error) => this.log(`could not renew the lock of job ${what}: ${describeError(error)}`),
    );
  }

  /** Marks a job this worker ran finished, and retires it under its finished name, in one write; `failure` fails it for good. */
  async finish(name: DurablyJobName, id: ObjectId, failure?: unknown): Promise<void> {
    try {
      // Deferred: nothing waits for the record (the outcome was recorded before), and it can share the next commit's flush.
      await this.writes.update({ _id: id, lastModifiedBy: this.owner }, { $set: finishedFields(FinishedJobName[name], new Date(), failure) }, { deferred: true });
    } catch (error) {
      this.log(`could not mark job ${name} ${id.toHexString()} finished: ${describeError(error)}`);
    }
  }

  /**
   * Gives back a job this worker ran but could not record an outcome for (see failsForGood): unlocked, due again
   * after a backoff, the failure on record. An activity's start is uncounted (`uncount`): it ended, in a live worker,
   * so that only starts that never ended count toward the poison cap.
   */
  async giveBack(name: DurablyJobName, id: ObjectId, failure: unknown, failures: number, uncount: boolean): Promise<void> {
    const now = new Date();
    const delayMs = retryDelayMs(failures);
    this.log(`job ${name} ${id.toHexString()} failed; it runs again in ${delayMs} ms: ${describeError(failure)}`);
    try {
      await this.writes.update(
        { _id: id, lastModifiedBy: this.owner, lockedAt: { $ne: null } },
        {
          $set: { lockedAt: null, nextRunAt: new Date(now.getTime() + delayMs), failedAt: now, failReason: failureReason(failure), failCount: failures },
          ...(uncount ? { $inc: { 'data.deliveries': -1 } } : {}),
        },
      );
    } catch (error) {
      this.log(`could not give back job ${name} ${id.toHexString()} (it runs again once its lock expires): ${describeError(error)}`);
    }
  }

  /** Unlocks a job this worker locked but will not run (it stopped meanwhile), uncounting the start (`uncount`). */
  async release(name: DurablyJobName, id: ObjectId, uncount: boolean): Promise<void> {
    try {
      await this.writes.update({ _id: id, lastModifiedBy: this.owner }, { $set: { lockedAt: null }, ...(uncount ? { $inc: { 'data.deliveries': -1 } } : {}) });
    } catch (error) {
      this.log(`could not unlock job ${name} ${id.toHexString()} (it runs once its lock expires): ${describeError(error)}`);
    }
  }
}

/** Waits until `busy()` is false or `deadline` (epoch ms) passed, checking every 20 ms. */
export async function waitUntilIdle(busy: () => boolean, deadline: number): Promise<void> {
  while (busy() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, Math.min(20, deadline - Date.now())));
}
