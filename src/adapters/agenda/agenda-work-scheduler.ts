import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from '@agendajs/mongo-backend';
import { DurableError } from '../../core/durable-error.js';
import { CollectionSuffix } from '../mongodb/collection-suffix.js';
import { FinishedJobName, JobName } from './job-name.js';
import type { Clock } from '../../ports/clock.js';
import type { ActivityJob, JobPollKind, JobRef, StartedActivities, TimerJob, WorkHandlers, WorkScheduler } from '../../ports/work-scheduler.js';
import { startedHere } from './activity-attempt.js';
import { readPendingWork, type PendingWork } from './pending-work.js';
import { JobWorker, timerArmAheadMs } from './job-worker.js';
import { openAgendaConnection, type AgendaConnection } from './agenda-connection.js';
import { activityJobData, jobKey, timerJobData } from './agenda-job-data.js';
import { newAgendaJobDocument } from './agenda-job-document.js';
import { resolveSchedulerOptions, type AgendaWorkSchedulerOptions } from './agenda-work-scheduler-options.js';
import { NOTHING_STARTED, startActivities } from './start-activities.js';
import { JobCancellation } from './job-cancellation.js';
import { describeError } from './job-failure.js';
import { forgetFinishedJobs, purgeFinishedJobs } from './finished-jobs.js';
import { OwnedJobs } from './owned-jobs.js';
import { rescheduleTimers } from './timer-runner.js';

export type { AgendaWorkSchedulerOptions } from './agenda-work-scheduler-options.js';
export { JOB_INSTANCE_INDEX_NAME, JOB_KEY_INDEX_NAME } from './agenda-connection.js';

const JOB_NAMES = [JobName.Activity, JobName.Timer];

/**
 * The {@link WorkScheduler} on Agenda 6 and MongoDB: activities and durable timers are Agenda jobs in
 * `<taskHub>.jobs`, shared by every worker process of the task hub.
 *
 * - **Idempotent scheduling.** Each job carries `data.key` = `instanceId␀executionId␀sequence`, and a unique partial
 *   index on it (Agenda's own `unique()` is an upsert with no index behind it, which races) turns a second insert into
 *   a duplicate-key error, read as "already scheduled" — also across processes.
 * - **Run in-process, not by Agenda's processor.** Jobs are Agenda documents (shaped by `agenda.create()`, locked
 *   and finished as Agenda does: `lockedAt`, `lastModifiedBy`, `lastFinishedAt`), but a started worker runs them
 *   with its own runners — {@link ActivityRunner} and {@link TimerRunner} — and never calls `agenda.start()`.
 *   Agenda's processor costs four to six writes per job (lock, an empty probe, start, finish), fires timers 9–17 ms
 *   late and queues them at 100/s, and arms two timers per job that it never clears (`checkIfJobIsStillAlive`'s
 *   delay of half the lock lifetime, and a near-future `setTimeout`): keeping those from holding a stopped process
 *   took an `async_hooks` hook on every promise of the process for its whole life. The runners take a job with one
 *   `findOneAndUpdate` (or insert it locked), finish it with one more write, and own every timer they arm, so
 *   `stop()` leaves nothing behind by construction. A poll every `processEveryMs` (or, while the app's change
 *   stream tells of new jobs, the app's safety-net polls: see {@link JobWorker}) finds what other processes
 *   scheduled and what workers that died left locked (lock expired), as Agenda's passes did.
 * - **Fresh jobs held back.** An activity that a history commit of this process just scheduled runs here at once
 *   ({@link AgendaWorkScheduler.startActivities}); its document is written only when something needs it — the
 *   runtime's next commit that does not record its outcome, the end of the session, a failed start — so a short
 *   activity costs no job write at all: its history chunk is its record until then (see {@link HeldJobInsert}).
 * - **Writes combined.** Every job write of the process (locked inserts, queued inserts, finishes, give-backs, lock
 *   renewals) goes through a {@link JobWriteCombiner}: those issued within one event-loop turn travel as one command.
 * - **Finished jobs are kept.** A finished job stays (`nextRunAt: null`, `lastFinishedAt` set), renamed to its
 *   finished name (see FinishedJobName) in the same write, out of the due-job scans; the document is the proof that
 *   the key ran, so a re-dispatch after a crash inserts nothing and runs nothing (a job never stored has no such
 *   proof: its re-dispatch runs it again, and its outcome is recorded once). {@link AgendaWorkScheduler.cancelInstanceJobs}
 *   leaves these tombstones too; reclaim them with {@link AgendaWorkScheduler.purgeFinishedJobs} once no re-dispatch can come.
 * - **Deliveries.** Before an activity's handler is called, `data.deliveries` is incremented in the job document; a
 *   start that ends in its worker either finishes the job or, given back, is uncounted. So a job taken over after its
 *   worker died (or froze past its lock) is run with `deliveries` 2, 3, …; a start with `aloneFromDeliveries` runs
 *   alone in its worker (see {@link ActivityRunner}).
 * - **Given back, never lost.** Handlers record an activity's failure as an instance message (Durably retries at the
 *   orchestration level). A handler that throws could not record an outcome (the database restarting, say): its job
 *   is given back — unlocked, due again after a backoff (see retryDelayMs) — and runs again. Only a `DurableError`
 *   (malformed job data, more starts than `maxDeliveries`) fails a job for good.
 * - **Clean stop.** `stop()` stops the poll, disarms the timers, lets running jobs finish (up to `stopGraceMs`),
 *   flushes the writes, and closes the client it opened. No `async_hooks` hook is involved at any point.
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
  readonly #log: (line: string, error?: unknown) => void;
  readonly #clock: Clock | undefined;
  /** Agenda's name of this process, written to `lastModifiedBy` by every lock it takes and every job it inserts. */
  readonly #name: string;

  #connection: Promise<AgendaConnection> | undefined;
  /** The connection once open (for the synchronous {@link AgendaWorkScheduler.flushSoon}). */
  #connected: AgendaConnection | undefined;
  #worker: JobWorker | undefined;
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
    this.#log = (line, error) => resolved.log(`[durably:agenda] ${line}`, error);
    this.#clock = resolved.clock;
    this.#name = `durably:${resolved.taskHub}:${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  }

  /** See `WorkScheduler.pollJobs`. */
  pollJobs(kind: JobPollKind): void {
    this.#worker?.poll(kind);
  }

  /** See `WorkScheduler.setSelfPolling`. */
  setSelfPolling(on: boolean): void {
    this.#worker?.setSelfPolling(on);
  }

  /** See `WorkScheduler.jobDue`. */
  jobDue(job: 'activity' | 'timer', runAt: Date, storedBy?: string): void {
    this.#worker?.jobDue(job, runAt, storedBy);
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
   * Schedules activities to run now, in one write command (shared with the process's other job writes of the same
   * turn); a job whose (instanceId, executionId, sequence) was scheduled before is skipped.
   *
   * In a started worker with free activity slots, jobs are inserted already locked by this worker and run at once,
   * in-process. The lock is renewed while the handler runs; if this process dies, the lock expires and another
   * worker runs the job again, as for any job whose worker died. The other jobs are picked up as slots free, here or
   * by any worker. A job whose insert failed (other than as a duplicate) makes the call reject once the others are
   * settled (those inserted run all the same); retrying the call is safe.
   */
  async scheduleActivities(jobs: readonly ActivityJob[], options: { readonly mayHaveStarted?: boolean } = {}): Promise<void> {
    if (jobs.length === 0) return;
    const connection = await this.#connect();
    const runner = this.#worker?.activities;
    const now = new Date();
    const local: ActivityJob[] = [];
    const queued: ActivityJob[] = [];
    // Jobs that may have started already are queued with that start counted: a pick-up counts the next one.
    const earlier = options.mayHaveStarted === true ? 1 : 0;
    for (const job of jobs) (earlier === 0 && runner?.tryReserve() === true ? local : queued).push(job);
    const docs = [
      ...local.map((job) => newAgendaJobDocument(connection.agenda, JobName.Activity, startedHere(job, now.getTime()), now, this.#name, true)),
      ...queued.map((job) => newAgendaJobDocument(connection.agenda, JobName.Activity, { ...activityJobData(job), deliveries: earlier }, now, this.#name, false)),
    ];
    const outcomes = await Promise.allSettled(docs.map((doc) => connection.writes.insert(doc)));
    let failure: { readonly reason: unknown } | undefined;
    let queuedAny = false;
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'rejected') failure ??= { reason: outcome.reason };
      // Not inserted: the key was scheduled before, and that job is the job.
      const inserted = outcome.status === 'fulfilled' && outcome.value;
      const job = local[i];
      const doc = docs[i];
      if (job === undefined) queuedAny ||= inserted;
      else if (inserted && doc !== undefined) runner?.runScheduled(doc._id, job, now.getTime());
      else runner?.unreserve();
    });
    if (queuedAny) runner?.queued();
    if (failure !== undefined) throw failure.reason;
  }

  /**
   * Starts activities a history commit of this process just recorded (never scheduled before). Those that get a free
   * slot run here at once and their job documents are held back ({@link HeldJobInsert}): a job whose outcome is
   * recorded before its document is asked for ({@link StartedActivities.stored}) is never written. The others are
   * inserted now, to be picked up here or by any worker.
   */
  async startActivities(jobs: readonly ActivityJob[]): Promise<StartedActivities> {
    if (jobs.length === 0) return NOTHING_STARTED;
    const runner = this.#worker?.activities;
    return startActivities(await this.#connect(), runner, jobs, { name: this.#name, log: this.#log, reserve: () => runner?.tryReserve() === true });
  }

  /**
   * Starts all of `jobs` here at once with their documents held back, or none (undefined) when this worker has not a
   * free slot for each, or a job has limits (its document would have to be stored now). Nothing is written.
   */
  async startActivitiesHere(jobs: readonly ActivityJob[]): Promise<StartedActivities | undefined> {
    if (this.#worker === undefined || jobs.length === 0 || jobs.some((job) => job.limits !== undefined)) return undefined;
    const connection = await this.#connect();
    const runner = this.#worker?.activities;
    if (runner === undefined) return undefined;
    let reserved = 0;
    while (reserved < jobs.length && runner.tryReserve()) reserved++;
    if (reserved < jobs.length) {
      for (let i = 0; i < reserved; i++) runner.unreserve();
      return undefined;
    }
    return startActivities(connection, runner, jobs, { name: this.#name, log: this.#log, reserve: () => true });
  }

  /**
   * Sends the job writes held back to travel with another write (finished jobs' records, inserts of jobs already
   * running here) at the end of this turn: the runtime is committing history now, and writes that reach the database
   * together share its durable flush.
   */
  flushSoon(): void {
    this.#connected?.writes.flushSoon();
  }

  /**
   * Schedules a timer at `fireAt`; a second call with the same (instanceId, executionId, sequence) does nothing. Until
   * it is due a timer is only a document; a started worker arms it in-process when it falls within its next polls (at
   * once, if this worker scheduled it) and fires it on time.
   */
  async scheduleTimer(job: TimerJob): Promise<void> {
    if (!(job.fireAt instanceof Date) || Number.isNaN(job.fireAt.getTime())) {
      throw new DurableError('INVALID_ARGUMENT', `scheduleTimer: fireAt must be a valid Date (timer ${job.sequence} of instance '${job.instanceId}').`);
    }
    const connection = await this.#connect();
    const runAt = this.#timerRunAt(job.fireAt);
    const doc = newAgendaJobDocument(connection.agenda, JobName.Timer, timerJobData(job), runAt, this.#name, false);
    if (await connection.writes.insert(doc)) this.#worker?.timers.scheduled(doc._id, runAt);
  }

  /**
   * Deletes the instance's jobs that have not run and are not running (pending, or left by a worker that died: lock
   * expired), and aborts its running activities' signals (here at once, elsewhere at the worker's next poll). Finished
   * jobs stay as the record that their keys ran. Returns how many were deleted.
   */
  async cancelInstanceJobs(instanceId: string): Promise<number> {
    const reason = 'cancelled: its instance was terminated';
    this.#worker?.activities.cancelInstance(instanceId, reason);
    return (await this.#cancellation()).cancelInstance(instanceId, reason);
  }

  /**
   * Deletes the activity's job if it is not running; marks it cancelled if it runs, so that its worker aborts its
   * signal (this one at once). A finished job is left alone.
   */
  async cancelActivity(activity: JobRef, reason: string): Promise<void> {
    const key = jobKey(activity);
    this.#worker?.activities.cancel(key, reason);
    await (await this.#cancellation()).cancelActivity(key, reason);
  }

  /** Deletes the timer's job unless it is firing now (an armed one finds nothing when its time comes). */
  async cancelTimer(timer: JobRef): Promise<void> {
    await (await this.#cancellation()).cancelTimer(jobKey(timer));
  }

  /**
   * Deletes jobs that finished before `finishedBefore` (retention). A deleted job's key can be scheduled, and run,
   * again: keep finished jobs for longer than any re-dispatch of an action can be delayed (days, not minutes).
   */
  async purgeFinishedJobs(finishedBefore: Date): Promise<number> {
    return purgeFinishedJobs((await this.#connect()).jobs, finishedBefore);
  }

  /** See `WorkScheduler.forgetFinishedJobs`: only jobs renamed as finished are deleted. */
  async forgetFinishedJobs(refs: readonly JobRef[]): Promise<void> {
    await forgetFinishedJobs((await this.#connect()).jobs, refs);
  }

  /** Activity jobs not finished (queued or running), and when the earliest timer that has not fired is due. */
  async pendingWork(): Promise<PendingWork> {
    return readPendingWork((await this.#connect()).jobs);
  }

  /**
   * The clock jumped ahead: every timer not locked yet is rescheduled for the real time at which the clock reads its
   * `fireAt` (at once, if it already does), in one write command, and a started worker re-arms its timers for their
   * new times. Only a scheduler given a {@link AgendaWorkSchedulerOptions.clock} has anything to do.
   */
  async clockChanged(): Promise<void> {
    if (this.#clock === undefined) return;
    const { jobs, writes } = await this.#connect();
    await rescheduleTimers(jobs, writes, this.#worker?.timers, (fireAt) => this.#timerRunAt(fireAt));
  }

  /**
   * Stops running jobs: the poll stops and armed timers are disarmed; running jobs get `stopGraceMs` to finish (a job
   * still running then keeps its lock until it expires, and another worker runs it again); pending writes are
   * flushed and the client opened by the scheduler is closed. No timer is left holding the process. Calling it
   * again (or without `start()`) is safe. A later `schedule*` or `start()` connects again.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop().finally(() => {
      this.#stopping = undefined;
    });
    return this.#stopping;
  }

  // The real time at which the clock reads `fireAt`.
  #timerRunAt(fireAt: Date): Date {
    if (this.#clock === undefined) return fireAt;
    return new Date(Math.max(0, Date.now() + fireAt.getTime() - this.#clock.now().getTime()));
  }

  async #start(handlers: WorkHandlers): Promise<void> {
    await this.#stopping;
    if (this.#worker !== undefined) return;
    const connection = await this.#connect();
    // Jobs finished by Agenda's own processor (earlier versions) leave the due-job scans.
    for (const name of JOB_NAMES) await this.#retire(connection, name);
    const owned = new OwnedJobs(connection.jobs, connection.writes, this.#name, this.#lockLifetimeMs, this.#log);
    this.#worker = new JobWorker(owned, handlers, {
      concurrency: this.#concurrency, aloneFromDeliveries: this.#aloneFrom, maxDeliveries: this.#maxDeliveries, processEveryMs: this.#processEveryMs,
      armAheadMs: timerArmAheadMs(this.#processEveryMs), name: this.#name,
    });
  }

  async #stop(): Promise<void> {
    await this.#starting?.catch(() => undefined);
    const connecting = this.#connection;
    const worker = this.#worker;
    this.#connection = undefined;
    this.#worker = undefined;
    const connection = await connecting?.catch(() => undefined);
    try {
      if (worker !== undefined) {
        const abandoned = await worker.stop(Date.now() + this.#stopGraceMs);
        if (abandoned > 0) {
          this.#log(`stop: ${abandoned} job(s) still running after ${this.#stopGraceMs} ms; their locks are no longer renewed, so another worker will run them again once the locks expire.`);
        }
      }
      await connection?.writes.flushed();
    } finally {
      await connection?.client?.close();
    }
  }

  // Renames finished, unlocked jobs of `name` to their finished name.
  async #retire(connection: AgendaConnection, name: typeof JOB_NAMES[number]): Promise<void> {
    try {
      await connection.jobs.updateMany({ name, nextRunAt: null, lockedAt: null, lastFinishedAt: { $ne: null } }, { $set: { name: FinishedJobName[name] } });
    } catch (error) {
      // Harmless: a finished job under its old name only costs the scans a document; the next start renames it.
      this.#log(`could not retire finished ${name} jobs: ${describeError(error)}`);
    }
  }

  async #cancellation(): Promise<JobCancellation> {
    return new JobCancellation((await this.#connect()).jobs, this.#lockLifetimeMs);
  }

  #connect(): Promise<AgendaConnection> {
    if (this.#connection !== undefined) return this.#connection;
    const connecting = openAgendaConnection({
      mongoUri: this.#mongoUri, dbName: this.#dbName, db: this.#sharedDb, jobsCollection: this.#jobsCollection, name: this.#name,
      lockLifetimeMs: this.#lockLifetimeMs, log: this.#log,
    });
    this.#connection = connecting;
    // A failed attempt is forgotten, so the next call tries again.
    connecting.then((connection) => {
      if (this.#connection === connecting) this.#connected = connection;
    }, () => {
      if (this.#connection === connecting) this.#connection = undefined;
    });
    return connecting;
  }
}

