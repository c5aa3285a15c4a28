import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Agenda, toJobId, type BackoffContext, type Job } from 'agenda';
// The driver's client and ObjectId come through the Agenda backend's re-exports (the same `mongodb` package):
// `mongodb` itself is imported only under src/adapters/mongodb.
import { MongoClient, ObjectId, type Db } from '@agendajs/mongo-backend';
import { DurableError } from '../../core/durable-error.js';
import { CollectionSuffix, FinishedJobName, JobName } from '../../core/persisted-names.js';
import type { Clock } from '../../ports/clock.js';
import type { ActivityJob, PendingWork, TimerJob, WorkHandlers, WorkScheduler } from '../../ports/work-scheduler.js';
import { activityFromData, activityJobData, timerFromData, timerJobData, unfinishedStarts } from './agenda-job-data.js';
import { agendaProcessorView, type AgendaProcessorView } from './agenda-processor-view.js';
import { AgendaTimerScope } from './agenda-timer-scope.js';
import { resolveSchedulerOptions, type AgendaWorkSchedulerOptions } from './agenda-work-scheduler-options.js';
import { failsForGood, retryDelayMs } from './job-failure.js';
import { JobSlots } from './job-slots.js';
import { JobsOnlyMongoBackend } from './jobs-only-mongo-backend.js';
import { LockHeartbeat } from './lock-heartbeat.js';
import { WorkerNotificationChannel } from './worker-notification-channel.js';

export type { AgendaWorkSchedulerOptions } from './agenda-work-scheduler-options.js';

/**
 * Name of the unique index on `data.key` in `<taskHub>.jobs` that makes scheduling idempotent. Persisted: renaming
 * it leaves the old index behind.
 */
export const JOB_KEY_INDEX_NAME = 'durably_job_key';
/** Name of the index `cancelInstanceJobs` uses. Persisted. */
export const JOB_INSTANCE_INDEX_NAME = 'durably_job_instance';

const STOP_POLL_MS = 20;
const DUPLICATE_KEY = 11000;
const JOB_NAMES = [JobName.Activity, JobName.Timer];
const FINISHED_JOB_NAMES = [FinishedJobName[JobName.Activity], FinishedJobName[JobName.Timer]];

type JobCollection = ReturnType<Db['collection']>;

/** One connection's worth of state: created on first use, discarded by stop(). */
interface Connection {
  readonly jobs: JobCollection;
  readonly agenda: Agenda;
  /** Set when the scheduler opened the client itself (and so closes it). */
  readonly client: MongoClient | undefined;
  /** Agenda's in-process notification channel: publishing on it makes this process's Agenda look for jobs now. */
  readonly channel: WorkerNotificationChannel;
}

/** A job whose handler this process is running. */
interface RunningJob {
  readonly done: Promise<void>;
  readonly heartbeat: LockHeartbeat;
}

/** The state of a started worker. */
interface Worker {
  readonly handlers: WorkHandlers;
  readonly scope: AgendaTimerScope;
  readonly running: Map<string, RunningJob>;
  /** Bounds the activities running at once, however they started. */
  readonly slots: JobSlots;
  /** Set when this process left activity jobs to Agenda; cleared when a look for one finds none. */
  queuedHere: boolean;
  /** Looks for a queued activity in flight (see #pickUp). */
  pickups: number;
  /** The chain of finished-job renames, awaited on stop. */
  renames: Promise<void>;
}

/**
 * The {@link WorkScheduler} on Agenda 6 and MongoDB: activities and durable timers are Agenda jobs in
 * `<taskHub>.jobs`, shared by every worker process of the task hub.
 *
 * - **Idempotent scheduling.** Each job carries `data.key` = `instanceId␀executionId␀sequence`, and a unique partial
 *   index on it (Agenda's own `unique()` is an upsert with no index behind it, which races) turns a second insert into
 *   a duplicate-key error, read as "already scheduled" — also across processes.
 * - **Finished jobs are kept.** Agenda leaves a one-off job in place after it ran (`nextRunAt: null`,
 *   `lastFinishedAt` set); the document is the proof that the key ran, so a re-dispatch after a crash inserts
 *   nothing and runs nothing. {@link AgendaWorkScheduler.cancelInstanceJobs} leaves these tombstones too; reclaim them
 *   with {@link AgendaWorkScheduler.purgeFinishedJobs} once no re-dispatch can come.
 * - **Deliveries.** Before an activity's handler is called, `data.deliveries` is incremented in the job document; a
 *   start that ends in its worker either finishes the job or, given back, is uncounted. So a job taken over after its
 *   worker died (or froze past its lock) is run with `deliveries` 2, 3, …
 * - **Suspects run alone.** A start that never ended may have been of the activity that killed its worker — or of an
 *   innocent one running beside it. A start with `deliveries` ≥ `aloneFromDeliveries` runs alone in its worker
 *   ({@link JobSlots.acquireAlone}): it waits until no other activity runs here, and no new one starts until it is
 *   done (its lock is renewed meanwhile). An innocent activity then finishes; one that kills its worker again has
 *   done so alone, which is what lets the handler's poison cap blame only the culprit. Below that count, starts run
 *   beside others, so that the work of a worker that simply died is taken over at full concurrency.
 * - **Given back, never lost.** Handlers record an activity's failure as an instance message (Durably retries at the
 *   orchestration level). A handler that throws could not record an outcome (the database restarting, say): its job
 *   is given back — unlocked, due again after a backoff (see {@link retryDelayMs}) — and runs again. Only a
 *   `DurableError` (malformed job data, more starts than `maxDeliveries`) fails a job for good.
 * - **Clean stop.** `stop()` lets running jobs finish (up to `stopGraceMs`), unlocks the jobs it locked but did not
 *   start, closes the client it opened and leaves no timer holding the process (see {@link AgendaTimerScope} for the
 *   timers Agenda itself leaks).
 *
 * `schedule*` and `cancelInstanceJobs` work without `start()`: client-only processes schedule, workers run.
 *
 * @example
 * ```ts
 * const scheduler = new AgendaWorkScheduler({ mongoUri: 'mongodb://localhost:27017', dbName: 'app', taskHub: 'Durably' });
 * await scheduler.start({ runActivity: async (job, deliveries) => { ... }, fireTimer: async (job) => { ... } });
 * await scheduler.scheduleActivity({ instanceId: 'order-1', executionId: 'e1', sequence: 0, name: 'Charge', input: '{}' });
 * await scheduler.stop();
 * ```
 */
export class AgendaWorkScheduler implements WorkScheduler {
  readonly #mongoUri: string;
  readonly #dbName: string;
  readonly #sharedDb: Db | undefined;
  readonly #jobsCollection: string;
  readonly #concurrency: number;
  readonly #processEveryMs: number;
  readonly #lockLifetimeMs: number;
  readonly #maxDeliveries: number | undefined;
  readonly #aloneFrom: number;
  readonly #stopGraceMs: number;
  readonly #log: (line: string) => void;
  readonly #clock: Clock | undefined;
  /** Agenda's `name`, written to `lastModifiedBy` by every lock and state save of this process. */
  readonly #name: string;

  #connection: Promise<Connection> | undefined;
  #worker: Worker | undefined;
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  constructor(options: AgendaWorkSchedulerOptions) {
    const resolved = resolveSchedulerOptions(options);
    this.#mongoUri = resolved.mongoUri;
    this.#dbName = resolved.dbName;
    this.#sharedDb = resolved.db;
    this.#jobsCollection = `${resolved.taskHub}.${CollectionSuffix.Jobs}`;
    this.#concurrency = resolved.concurrency;
    this.#processEveryMs = resolved.processEveryMs;
    this.#lockLifetimeMs = resolved.lockLifetimeMs;
    this.#maxDeliveries = resolved.maxDeliveries;
    this.#aloneFrom = resolved.aloneFromDeliveries;
    this.#stopGraceMs = resolved.stopGraceMs;
    this.#log = (line) => resolved.log(`[durably:agenda] ${line}`);
    this.#clock = resolved.clock;
    this.#name = `durably:${resolved.taskHub}:${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  }

  /** Starts running jobs in this process. Calling it again while started does nothing. */
  start(handlers: WorkHandlers): Promise<void> {
    this.#starting ??= this.#start(handlers).finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  /** Schedules an activity to run now; a second call with the same (instanceId, executionId, sequence) does nothing. */
  scheduleActivity(job: ActivityJob): Promise<void> {
    return this.scheduleActivities([job]);
  }

  /**
   * Schedules activities to run now, with one insert for all of them; a job whose (instanceId, executionId,
   * sequence) was scheduled before is skipped.
   *
   * In a started worker with free activity slots, jobs are inserted already locked by this worker and run at once,
   * in-process: no round trip through Agenda's lock, start and finish, and no wait for a notification or a poll. The
   * lock is renewed while the handler runs like any other; if this process dies, the lock expires and another
   * worker's Agenda runs the job again, as for any job whose worker died. The other jobs are left to Agenda (this
   * process's, woken by one notification, and every other worker's).
   */
  async scheduleActivities(jobs: readonly ActivityJob[]): Promise<void> {
    if (jobs.length === 0) return;
    const connection = await this.#connect();
    const worker = this.#worker;
    const now = new Date();
    const local: ActivityJob[] = [];
    const queued: ActivityJob[] = [];
    for (const job of jobs) (worker !== undefined && worker.slots.tryAcquire() ? local : queued).push(job);
    const docs = [
      ...local.map((job) => this.#jobDocument(connection, JobName.Activity, { ...activityJobData(job), deliveries: 1 }, now, true)),
      ...queued.map((job) => this.#jobDocument(connection, JobName.Activity, activityJobData(job), now, false)),
    ];
    let inserted: ReadonlySet<number>;
    try {
      inserted = await this.#insertMany(connection, docs);
    } catch (error) {
      for (let i = 0; i < local.length; i++) worker?.slots.release();
      throw error;
    }
    local.forEach((job, i) => {
      // Not inserted: the key was scheduled before, and that job is the job.
      if (worker === undefined) return;
      const doc = docs[i];
      if (inserted.has(i) && doc !== undefined) this.#runLocal(connection, worker, doc._id, job, 1, true);
      else worker.slots.release();
    });
    if (queued.some((_, i) => inserted.has(local.length + i))) {
      // A started worker whose slots are all busy picks the jobs up itself as slots free (two writes a job, where
      // Agenda's lock, start and finish take six); Agenda's polls here and in other workers find them too.
      if (worker !== undefined) worker.queuedHere = true;
      else {
        const first = docs[local.length];
        if (first !== undefined) this.#notify(connection, first._id, now);
      }
    }
  }

  /**
   * Schedules a timer at `fireAt`; a second call with the same (instanceId, executionId, sequence) does nothing. Until
   * it is due, a timer is only a document: workers lock it when it falls within their next poll and fire it on time.
   */
  async scheduleTimer(job: TimerJob): Promise<void> {
    if (!(job.fireAt instanceof Date) || Number.isNaN(job.fireAt.getTime())) {
      throw new TypeError(`scheduleTimer: fireAt must be a valid Date (timer ${job.sequence} of instance '${job.instanceId}').`);
    }
    await this.#insert(JobName.Timer, timerJobData(job), this.#timerRunAt(job.fireAt));
  }

  /**
   * Deletes the instance's jobs that have not run and are not running: pending ones, and ones whose worker died
   * (lock expired). Finished jobs stay as the record that their keys ran. Returns how many were deleted.
   */
  async cancelInstanceJobs(instanceId: string): Promise<number> {
    const { jobs } = await this.#connect();
    const lockDeadline = new Date(Date.now() - this.#lockLifetimeMs);
    const { deletedCount } = await jobs.deleteMany({
      name: { $in: JOB_NAMES },
      'data.instanceId': instanceId,
      lastFinishedAt: null,
      $or: [{ lockedAt: null }, { lockedAt: { $lte: lockDeadline } }],
    });
    return deletedCount;
  }

  /**
   * Deletes jobs that finished before `finishedBefore` (retention). A deleted job's key can be scheduled, and run,
   * again: keep finished jobs for longer than any re-dispatch of an action can be delayed (days, not minutes).
   */
  async purgeFinishedJobs(finishedBefore: Date): Promise<number> {
    const { jobs } = await this.#connect();
    const { deletedCount } = await jobs.deleteMany({
      name: { $in: [...JOB_NAMES, ...FINISHED_JOB_NAMES] },
      lastFinishedAt: { $lte: finishedBefore },
      lockedAt: null,
    });
    return deletedCount;
  }

  /** Activity jobs not finished (queued or running), and when the earliest timer that has not fired is due. */
  async pendingWork(): Promise<PendingWork> {
    const { jobs } = await this.#connect();
    const [activities, timers] = await Promise.all([
      jobs.countDocuments({ name: JobName.Activity, $or: [{ lastFinishedAt: null }, { lockedAt: { $ne: null } }] }),
      jobs.find({ name: JobName.Timer, lastFinishedAt: null }, { sort: { 'data.fireAt': 1 }, limit: 1, projection: { data: 1 } }).toArray(),
    ]);
    const next = timers[0];
    return { activities, ...(next === undefined ? {} : { nextTimerAt: timerFromData(next.data, JobName.Timer).fireAt }) };
  }

  /**
   * The clock jumped ahead: every timer not locked yet is rescheduled for the real time at which the clock reads its
   * `fireAt` (at once, if it already does), and a started worker looks for due timers now. Only a scheduler given
   * a {@link AgendaWorkSchedulerOptions.clock} has anything to do.
   */
  async clockChanged(): Promise<void> {
    if (this.#clock === undefined) return;
    const connection = await this.#connect();
    const pending = await connection.jobs.find({ name: JobName.Timer, lockedAt: null }, { projection: { data: 1 } }).toArray();
    let due: { readonly id: ObjectId; readonly runAt: Date } | undefined;
    const now = Date.now();
    for (const doc of pending) {
      const runAt = this.#timerRunAt(timerFromData(doc.data, JobName.Timer).fireAt);
      if (due === undefined && runAt.getTime() <= now) due = { id: doc._id, runAt };
      await connection.jobs.updateOne({ _id: doc._id, name: JobName.Timer, lockedAt: null }, { $set: { nextRunAt: runAt } });
    }
    if (due !== undefined) this.#notify(connection, due.id, due.runAt, JobName.Timer);
  }

  // The real time at which the clock reads `fireAt`.
  #timerRunAt(fireAt: Date): Date {
    if (this.#clock === undefined) return fireAt;
    return new Date(Math.max(0, Date.now() + fireAt.getTime() - this.#clock.now().getTime()));
  }

  /**
   * Stops running jobs: Agenda stops polling and unlocks the jobs it had locked but not started; running jobs get
   * `stopGraceMs` to finish (a job still running then keeps its lock until it expires, and another worker runs it
   * again); the client opened by the scheduler is closed, and no timer is left holding the process. Calling it again
   * (or without `start()`) is safe. A later `schedule*` or `start()` connects again.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop().finally(() => {
      this.#stopping = undefined;
    });
    return this.#stopping;
  }

  async #start(handlers: WorkHandlers): Promise<void> {
    await this.#stopping;
    if (this.#worker !== undefined) return;
    const connection = await this.#connect();
    const worker: Worker = { handlers, scope: new AgendaTimerScope(), running: new Map(), slots: new JobSlots(this.#concurrency), queuedHere: false, pickups: 0, renames: Promise.resolve() };
    // A job whose handler threw is given back (see failsForGood): Agenda saves it unlocked and due after the delay.
    const backoff = ({ attempt, error }: BackoffContext): number | null => (failsForGood(error) ? null : retryDelayMs(attempt));
    const definition = { concurrency: this.#concurrency, lockLimit: this.#concurrency, lockLifetime: this.#lockLifetimeMs, backoff };
    connection.agenda.define(JobName.Activity, (job: Job<unknown>) => this.#execute(worker, job, () => this.#runActivity(connection, worker, job)), definition);
    connection.agenda.define(JobName.Timer, (job: Job<unknown>) => this.#execute(worker, job, () => worker.handlers.fireTimer(timerFromData(job.attrs.data, JobName.Timer))), definition);
    this.#worker = worker;
    // Finished jobs leave Agenda's scans (see FinishedJobName): after Agenda's final save of each run, and at start
    // for runs whose worker died between that save and the rename.
    for (const name of JOB_NAMES) {
      // A job given back is pending again, not finished: Agenda's failure path stamps lastFinishedAt, which would hide
      // it from cancelInstanceJobs and pendingWork. Emitted after that stamp and before Agenda saves the job.
      connection.agenda.on(`retry:${name}`, (job: Job<unknown>) => {
        job.attrs.lastFinishedAt = undefined;
      });
      connection.agenda.on(`complete:${name}`, (job: Job<unknown>) => {
        worker.renames = worker.renames.then(() => this.#retire(connection, name, { _id: new ObjectId(String(job.attrs._id)) }));
      });
      await this.#retire(connection, name, {});
    }
    worker.scope.open();
    try {
      // Agenda's polling interval, and every queue pass and job run it triggers, belong to the worker's timer scope.
      await worker.scope.run(() => connection.agenda.start());
    } catch (error) {
      this.#worker = undefined;
      worker.scope.close();
      throw error;
    }
  }

  async #stop(): Promise<void> {
    await this.#starting?.catch(() => undefined);
    const connecting = this.#connection;
    const worker = this.#worker;
    this.#connection = undefined;
    this.#worker = undefined;
    const connection = await connecting?.catch(() => undefined);
    try {
      if (connection !== undefined && worker !== undefined) {
        await this.#stopWorker(connection, worker);
        await worker.renames;
      }
    } finally {
      if (connection === undefined) worker?.scope.close();
      await connection?.client?.close();
    }
  }

  async #stopWorker(connection: Connection, worker: Worker): Promise<void> {
    // Read before agenda.stop(), which drops its reference to the processor.
    const processor = agendaProcessorView(connection.agenda);
    try {
      await connection.agenda.stop(false);
    } catch (error) {
      // Its polling is stopped before anything can fail; what may fail is unlocking the jobs it had not started.
      this.#log(`stop: agenda.stop() failed (unstarted jobs stay locked until their locks expire): ${describeError(error)}`);
    }

    const busy = (): boolean =>
      worker.running.size > 0 || worker.pickups > 0 || (processor !== undefined && (processor.runningJobs.length > 0 || processor.isJobQueueFilling.size > 0));
    const deadline = Date.now() + this.#stopGraceMs;
    while (busy() && Date.now() < deadline) await sleep(Math.min(STOP_POLL_MS, deadline - Date.now()));

    const abandoned = [...worker.running.values()];
    if (abandoned.length > 0) {
      this.#log(`stop: ${abandoned.length} job(s) still running after ${this.#stopGraceMs} ms; their locks are no longer renewed, so another worker will run them again once the locks expire.`);
      for (const job of abandoned) void job.heartbeat.stop();
    }
    if (processor !== undefined) await this.#unlockStranded(connection, processor, worker);

    worker.scope.release();
    // Close the scope once nothing can create timers in it any more: the abandoned jobs settled, and one poll period
    // passed for the processor's last queue passes (the timer is unref'd: it never holds the process).
    void Promise.allSettled(abandoned.map((job) => job.done)).then(() => {
      setTimeout(() => worker.scope.close(), this.#processEveryMs).unref();
    });
  }

  // A queue pass that was in flight during agenda.stop() goes on locking jobs it will never start. Unlock what this
  // process (lastModifiedBy) still holds and is not running, or those jobs would wait a whole lock lifetime.
  async #unlockStranded(connection: Connection, processor: AgendaProcessorView, worker: Worker): Promise<void> {
    try {
      // Jobs still running (Agenda's, and those run in-process) keep their locks until they expire.
      const ids = new Set([...processor.runningJobs.map((job) => String(job.attrs._id)), ...worker.running.keys()]);
      const running = [...ids].map((id) => new ObjectId(id));
      await connection.jobs.updateMany(
        { name: { $in: JOB_NAMES }, lastModifiedBy: this.#name, lockedAt: { $ne: null }, _id: { $nin: running } },
        { $unset: { lockedAt: '' } },
      );
    } catch (error) {
      this.#log(`stop: could not unlock this worker's unstarted jobs (they run once their locks expire): ${describeError(error)}`);
    }
  }

  // Renames finished, unlocked jobs of `name` (all of them, or the one matched by `which`) to their finished name.
  async #retire(connection: Connection, name: typeof JOB_NAMES[number], which: { _id?: ObjectId }): Promise<void> {
    try {
      await connection.jobs.updateMany(
        { ...which, name, nextRunAt: null, lockedAt: null, lastFinishedAt: { $ne: null } },
        { $set: { name: FinishedJobName[name] } },
      );
    } catch (error) {
      // Harmless: a finished job under its old name only costs Agenda's scans a document; the next start renames it.
      this.#log(`could not retire finished ${name} jobs: ${describeError(error)}`);
    }
  }

  async #insert(name: string, data: object, runAt: Date): Promise<void> {
    const { agenda } = await this.#connect();
    try {
      await agenda.create(name, data).schedule(runAt).save();
    } catch (error) {
      // The unique index on data.key: the job exists (pending, running or finished), and it is the job.
      if (isDuplicateKey(error)) return;
      throw error;
    }
  }

  /**
   * Runs one job's handler outside the timer scope, renewing its lock meanwhile (also while an activity waits for
   * its slot, see {@link AgendaWorkScheduler.#runActivity}).
   */
  #execute(worker: Worker, job: Job<unknown>, run: () => Promise<void>): Promise<void> {
    return AgendaTimerScope.outside(async () => {
      const id = String(job.attrs._id);
      const heartbeat = this.#heartbeat(() => job.touch(), `${job.attrs.name} ${id}`);
      const done = run();
      worker.running.set(id, { done, heartbeat });
      try {
        await done;
      } catch (error) {
        // Agenda records the failure (failedAt, failReason, failCount) and, unless it fails for good, gives the job back.
        this.#log(failsForGood(error)
          ? `job ${job.attrs.name} ${id} failed and will not be retried: ${describeError(error)}`
          : `job ${job.attrs.name} ${id} failed; it runs again in ${retryDelayMs((job.attrs.failCount ?? 0) + 1)} ms: ${describeError(error)}`);
        throw error;
      } finally {
        worker.running.delete(id);
        // A renewal landing after Agenda's final save would re-lock a finished job, and an expired lock makes Agenda
        // run a job again: wait for the one in flight before returning.
        await heartbeat.stop();
      }
    });
  }

  /**
   * Runs an activity job this worker holds the lock of — inserted locked by
   * {@link AgendaWorkScheduler.scheduleActivities}, or locked by {@link AgendaWorkScheduler.#pickUp} — then marks it
   * finished, and retired, in one write, as Agenda would. Holds one of the worker's slots; when it frees the slot, it
   * looks for a queued activity to run next.
   */
  #runLocal(connection: Connection, worker: Worker, id: ObjectId, activity: ActivityJob, deliveries: number, justScheduled: boolean, failures = 0): void {
    const key = id.toHexString();
    const heartbeat = this.#heartbeat(
      () => connection.jobs.updateOne({ _id: id, lastModifiedBy: this.#name, lockedAt: { $ne: null } }, { $set: { lockedAt: new Date() } }),
      `${JobName.Activity} ${key}`,
    );
    const done = AgendaTimerScope.outside(async () => {
      let failure: unknown;
      try {
        this.#checkDeliveries(activity, deliveries);
        await worker.handlers.runActivity(activity, deliveries, { justScheduled });
      } catch (error) {
        failure = error;
      }
      // A renewal landing after the final write would re-lock a finished job.
      await heartbeat.stop();
      if (failure === undefined || failsForGood(failure)) {
        if (failure !== undefined) this.#log(`job ${JobName.Activity} ${key} failed and will not be retried: ${describeError(failure)}`);
        await this.#finishLocal(connection, id, failure);
      } else {
        await this.#giveBack(connection, id, failure, failures + 1);
      }
    }).finally(() => {
      worker.running.delete(key);
      worker.slots.release();
      this.#pickUp(connection, worker);
    });
    worker.running.set(key, { done, heartbeat });
  }

  // Marks a job this worker ran finished (and retired) — only while this worker still holds it: if its lock expired
  // and another worker took it over, that worker finishes it.
  async #finishLocal(connection: Connection, id: ObjectId, failure: unknown): Promise<void> {
    const now = new Date();
    const failed = failure === undefined ? {} : { failedAt: now, failReason: failure instanceof Error ? failure.message : describeError(failure), failCount: 1 };
    try {
      await connection.jobs.updateOne(
        { _id: id, lastModifiedBy: this.#name },
        { $set: { name: FinishedJobName[JobName.Activity], lockedAt: null, nextRunAt: null, lastFinishedAt: now, ...failed } },
      );
    } catch (error) {
      // The job stays locked until its lock expires; then a worker runs it again, and the recorded result absorbs it.
      this.#log(`could not mark job ${JobName.Activity} ${id.toHexString()} finished: ${describeError(error)}`);
    }
  }

  // Gives back a job this worker ran but could not record an outcome for (see failsForGood): unlocked, due again after
  // a backoff, and its start uncounted — the start ended, in a live worker — so that only starts that never ended
  // count toward the poison cap. Should this write fail too, the job's lock expires and it runs again all the same.
  async #giveBack(connection: Connection, id: ObjectId, failure: unknown, failures: number): Promise<void> {
    const now = new Date();
    const delayMs = retryDelayMs(failures);
    this.#log(`job ${JobName.Activity} ${id.toHexString()} failed; it runs again in ${delayMs} ms: ${describeError(failure)}`);
    try {
      await connection.jobs.updateOne(
        { _id: id, lastModifiedBy: this.#name, lockedAt: { $ne: null } },
        {
          $set: { lockedAt: null, nextRunAt: new Date(now.getTime() + delayMs), failedAt: now, failReason: failure instanceof Error ? failure.message : describeError(failure), failCount: failures },
          $inc: { 'data.deliveries': -1 },
        },
      );
    } catch (error) {
      this.#log(`could not give back job ${JobName.Activity} ${id.toHexString()} (it runs again once its lock expires): ${describeError(error)}`);
    }
  }

  /**
   * With a slot free and activities left to Agenda by this process, locks the oldest due activity job (whoever
   * scheduled it) and runs it here: one write instead of Agenda's lock, probe, start and delivery count, and no wait
   * for Agenda's next queue pass. Agenda's own passes still run (jobs of other processes, expired locks); a job
   * is locked by exactly one of them.
   */
  #pickUp(connection: Connection, worker: Worker): void {
    if (!worker.queuedHere || this.#worker !== worker || !worker.slots.tryAcquire()) return;
    worker.pickups++;
    void (async () => {
      let started = false;
      try {
        const now = new Date();
        const doc = await connection.jobs.findOneAndUpdate(
          // Not a start to run alone (see aloneFromDeliveries): it takes one slot; those go through Agenda's path.
          { name: JobName.Activity, nextRunAt: { $lte: now }, lockedAt: null, disabled: { $ne: true }, 'data.deliveries': { $lt: this.#aloneFrom - 1 } },
          { $set: { lockedAt: now, lastRunAt: now, lastModifiedBy: this.#name }, $inc: { 'data.deliveries': 1 } },
          { sort: { nextRunAt: 1, priority: -1 }, returnDocument: 'after' },
        );
        if (doc === null) {
          worker.queuedHere = false;
          return;
        }
        const id = doc._id;
        if (this.#worker !== worker) {
          // Stopped meanwhile: give the job back.
          await connection.jobs.updateOne({ _id: id, lastModifiedBy: this.#name }, { $set: { lockedAt: null }, $inc: { 'data.deliveries': -1 } });
          return;
        }
        let parsed: ReturnType<typeof activityFromData>;
        try {
          parsed = activityFromData(doc.data, JobName.Activity);
        } catch (error) {
          this.#log(`job ${JobName.Activity} ${id.toHexString()} failed and will not be retried: ${describeError(error)}`);
          await this.#finishLocal(connection, id, error);
          return;
        }
        started = true;
        this.#runLocal(connection, worker, id, parsed.job, parsed.deliveries, false, typeof doc.failCount === 'number' ? doc.failCount : 0);
        // More slots may be free (a job that ran alone gave them all back): the next pick-up takes one.
        this.#pickUp(connection, worker);
      } catch (error) {
        this.#log(`looking for a queued activity failed (Agenda's next pass finds it): ${describeError(error)}`);
      } finally {
        worker.pickups--;
        if (!started) worker.slots.release();
      }
    })();
  }

  #heartbeat(renew: () => Promise<unknown>, what: string): LockHeartbeat {
    return new LockHeartbeat(renew, Math.max(1, Math.floor(this.#lockLifetimeMs / 3)), (error) =>
      this.#log(`could not renew the lock of job ${what}: ${describeError(error)}`));
  }

  /**
   * A new job document as Agenda writes it (`create(...).schedule(runAt).save()`), or — `lockedHere` — as it is
   * once this worker's Agenda has locked and started it.
   */
  #jobDocument(connection: Connection, name: string, data: object, runAt: Date, lockedHere: boolean): Record<string, unknown> & { _id: ObjectId } {
    const attrs = connection.agenda.create(name, data).schedule(runAt).toJson(true);
    return {
      ...AGENDA_NULL_FIELDS,
      ...attrs,
      _id: new ObjectId(),
      lastModifiedBy: this.#name,
      ...(lockedHere ? { lockedAt: runAt, lastRunAt: runAt } : {}),
    };
  }

  /** Inserts documents (unordered); returns the indexes of those inserted. A duplicate key only skips its document. */
  async #insertMany(connection: Connection, docs: readonly Record<string, unknown>[]): Promise<ReadonlySet<number>> {
    const all = new Set(docs.map((_, i) => i));
    try {
      await connection.jobs.insertMany([...docs], { ordered: false });
      return all;
    } catch (error) {
      const failed = writeErrorsOf(error);
      // Only duplicates, and every document accounted for: a network error surfaces as a bulk error with no (or
      // too few) write errors, and taking that for success would mark the chunk dispatched with its jobs never written.
      const insertedCount = (error as { insertedCount?: unknown }).insertedCount;
      if (failed === undefined || failed.length === 0 || failed.some((e) => e.code !== DUPLICATE_KEY)) throw error;
      if (typeof insertedCount === 'number' && insertedCount + failed.length !== docs.length) throw error;
      for (const e of failed) all.delete(e.index);
      return all;
    }
  }

  #notify(connection: Connection, jobId: ObjectId, nextRunAt: Date, jobName: typeof JOB_NAMES[number] = JobName.Activity): void {
    // Only a started worker's Agenda listens (its channel is connected by agenda.start()).
    if (connection.channel.state !== 'connected') return;
    void connection.channel.publish({ jobId: toJobId(jobId.toHexString()), jobName, nextRunAt, priority: 0, timestamp: new Date(), source: this.#name })
      .catch((error: unknown) => this.#log(`could not notify the worker of new jobs (they start at its next poll): ${describeError(error)}`));
  }

  /**
   * Runs an activity job Agenda locked here: waits for a slot — for all of them when this start is to run alone
   * (see `aloneFromDeliveries` and {@link JobSlots.acquireAlone}) — then counts the start and calls the handler.
   * When the slots free, looks for a queued activity to run next.
   */
  async #runActivity(connection: Connection, worker: Worker, job: Job<unknown>): Promise<void> {
    let alone = unfinishedStarts(job.attrs.data) + 1 >= this.#aloneFrom;
    await (alone ? worker.slots.acquireAlone() : worker.slots.acquire());
    try {
      // Counted once the job holds its slots and before the handler runs: a crash during it is seen by the next
      // start, and a wait for slots cut short by another job's crash is not.
      const stored = await connection.jobs.findOneAndUpdate(
        { _id: new ObjectId(String(job.attrs._id)) },
        { $inc: { 'data.deliveries': 1 } },
        { returnDocument: 'after', projection: { data: 1 } },
      );
      if (stored === null) {
        this.#log(`activity job ${String(job.attrs._id)} was deleted before it started; not running it.`);
        return;
      }
      const { job: activity, deliveries } = activityFromData(stored.data, JobName.Activity);
      if (deliveries >= this.#aloneFrom && !alone) {
        // Started elsewhere since Agenda locked it here (its lock expired meanwhile): it runs alone all the same.
        worker.slots.release();
        alone = true;
        await worker.slots.acquireAlone();
      }
      this.#checkDeliveries(activity, deliveries);
      try {
        await worker.handlers.runActivity(activity, deliveries);
      } catch (error) {
        // Given back (see failsForGood): this start ended in a live worker, so it does not count (see #giveBack).
        if (!failsForGood(error)) {
          await connection.jobs.updateOne({ _id: stored._id, lastModifiedBy: this.#name }, { $inc: { 'data.deliveries': -1 } }).catch((e: unknown) =>
            this.#log(`could not uncount the start of job ${JobName.Activity} ${String(job.attrs._id)}: ${describeError(e)}`));
        }
        throw error;
      }
    } finally {
      if (alone) worker.slots.releaseAlone();
      else worker.slots.release();
      this.#pickUp(connection, worker);
    }
  }

  // The backstop of maxDeliveries: a job started more often fails for good without running.
  #checkDeliveries(activity: ActivityJob, deliveries: number): void {
    if (this.#maxDeliveries !== undefined && deliveries > this.#maxDeliveries) {
      throw new DurableError('MAX_DELIVERIES_EXCEEDED', `activity '${activity.name}' (instance '${activity.instanceId}', sequence ${activity.sequence}) was started ${deliveries} times, more than maxDeliveries ${this.#maxDeliveries}; failing the job without running it.`);
    }
  }

  #connect(): Promise<Connection> {
    if (this.#connection !== undefined) return this.#connection;
    const connecting = this.#open();
    this.#connection = connecting;
    // A failed attempt is forgotten, so the next call tries again.
    connecting.catch(() => {
      if (this.#connection === connecting) this.#connection = undefined;
    });
    return connecting;
  }

  async #open(): Promise<Connection> {
    let client: MongoClient | undefined;
    let db = this.#sharedDb;
    if (db === undefined) {
      client = new MongoClient(this.#mongoUri, { serverSelectionTimeoutMS: 10_000 });
      db = client.db(this.#dbName);
    }
    try {
      await client?.connect();
      const jobs = db.collection(this.#jobsCollection);
      // Before the first insert: idempotent scheduling rests on this index, not on Agenda.
      await jobs.createIndexes([
        { key: { 'data.key': 1 }, name: JOB_KEY_INDEX_NAME, unique: true, partialFilterExpression: { 'data.key': { $exists: true } } },
        { key: { 'data.instanceId': 1 }, name: JOB_INSTANCE_INDEX_NAME, partialFilterExpression: { 'data.instanceId': { $exists: true } } },
      ]);
      const backend = new JobsOnlyMongoBackend({ mongo: db, collection: this.#jobsCollection }, (error) =>
        this.#log(`could not unlock a job (it runs once its lock expires): ${describeError(error)}`));
      const channel = new WorkerNotificationChannel((error) => this.#log(`notification handling failed: ${describeError(error)}`));
      // Connected here so a failure surfaces as this call's error (see JobsOnlyMongoBackend).
      await backend.connect();
      const agenda = new Agenda({
        backend,
        name: this.#name,
        processEvery: this.#processEveryMs,
        // Per job name (activities, timers) and for the whole process. Agenda's default lock limit (0 = none) lets one
        // worker lock every due job in a single scan and starve the others.
        defaultConcurrency: this.#concurrency,
        defaultLockLimit: this.#concurrency,
        maxConcurrency: 2 * this.#concurrency,
        lockLimit: 2 * this.#concurrency,
        defaultLockLifetime: this.#lockLifetimeMs,
        notificationChannel: channel,
      });
      agenda.on('error', (error: Error) => this.#log(`agenda: ${describeError(error)}`));
      await agenda.ready;
      return { jobs, agenda, client, channel };
    } catch (error) {
      await client?.close().catch(() => undefined);
      throw error;
    }
  }
}

// The fields Agenda's saveJob stores as null when a job has none.
const AGENDA_NULL_FIELDS = {
  lockedAt: null, lastFinishedAt: null, failedAt: null, failCount: null, failReason: null, repeatTimezone: null, lastRunAt: null,
  repeatInterval: null, repeatAt: null, disabled: null, progress: null, debounceStartedAt: null, fork: null, startDate: null,
  endDate: null, skipDays: null,
};

/** The per-document errors of an unordered bulk insert, or undefined for any other error. */
function writeErrorsOf(error: unknown): { index: number; code: unknown }[] | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const raw = (error as { writeErrors?: unknown }).writeErrors;
  const list = Array.isArray(raw) ? raw : raw === undefined ? undefined : [raw];
  if (list === undefined) return undefined;
  return list.map((e: { index?: unknown; code?: unknown }) => ({ index: Number(e.index), code: e.code }));
}

function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === DUPLICATE_KEY;
}

function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
