import type { ChangeStream, Db, Document, ResumeToken } from 'mongodb';
import { TERMINAL_STATUSES, type RuntimeStatus } from '../../ports/instance-store.js';
import type { NoticeInterest, WorkNotice, WorkNoticeListener, WorkNotifications } from '../../ports/work-notifications.js';
import { CollectionSuffix } from './collection-suffix.js';

/** What {@link MongoWorkNotifications} watches, and how it reports. */
export interface MongoWorkNotificationsOptions {
  readonly taskHub: string;
  /** The job collection and the names its due activity and timer jobs have (the scheduler's, given by the app). */
  readonly jobs: { readonly collection: string; readonly activity: string; readonly timer: string };
  /** Where the feed's own troubles go (they never reach the work: polling covers them). */
  readonly log: (level: 'info' | 'warn', message: string, error?: unknown) => void;
  /** Wait before reopening a feed that failed, in ms. Default 1,000. */
  readonly reopenDelayMs?: number;
}

/** How long a `getMore` of the feed waits for a change before the server answers empty: the idle feed's cost. */
const MAX_AWAIT_MS = 1_000;

// Server codes after which the stream cannot resume where it stopped: it opens afresh (and says `opened`, so that
// consumers look once for what the gap may hold). ChangeStreamHistoryLost, InvalidResumeToken, ChangeStreamFatalError.
const RESTART_CODES = new Set([286, 260, 280]);
// The server has no change streams (a standalone server), or the user may not open one (Unauthorized: the role lacks
// `changeStream` on the database): the feed is not available, and polling is all there is.
const UNSUPPORTED_CODES = new Set([40573, 13]);

/** A change the pipeline lets through, as projected. */
interface ProjectedChange {
  readonly ns?: { readonly coll?: string };
  readonly documentKey?: { readonly _id?: unknown };
  readonly fullDocument?: {
    readonly runtimeStatus?: RuntimeStatus;
    readonly work?: { readonly availableAt?: Date };
    readonly name?: string;
    readonly nextRunAt?: Date | null;
    readonly lastModifiedBy?: string;
  };
}

/**
 * The {@link WorkNotifications} of a replica set: one database-level change stream per process, filtered by the
 * server to the changes a worker or a waiter acts on — instances with unleased pending work, instances that finished,
 * due jobs that nobody holds — and projected to the few fields the notices carry (`fullDocument: 'updateLookup'`,
 * so the filter sees the document as it is, not the update).
 *
 * The driver resumes the stream by itself after a transient error (a step-down, a dropped connection). When it
 * cannot, the feed reports `lost`, waits `reopenDelayMs` and reopens after the last change it saw (its resume
 * token), or — when the server no longer has that point — from now, reporting `opened` either way. On a standalone
 * server the feed is simply not available.
 */
export class MongoWorkNotifications implements WorkNotifications {
  readonly #db: Db;
  readonly #options: MongoWorkNotificationsOptions;
  readonly #instances: string;
  readonly #listeners = new Map<WorkNoticeListener, NoticeInterest>();
  #stream: ChangeStream | undefined;
  /** What the open (or opening) stream's pipeline carries. */
  #carries = new Set<NoticeInterest>();
  #token: ResumeToken = undefined;
  #live = false;
  #closed = false;
  #unavailable = false;
  #reopen: NodeJS.Timeout | undefined;
  #readyWaiters: ((live: boolean) => void)[] = [];

  constructor(db: Db, options: MongoWorkNotificationsOptions) {
    this.#db = db;
    this.#options = options;
    this.#instances = `${options.taskHub}.${CollectionSuffix.Instances}`;
  }

  get live(): boolean {
    return this.#live;
  }

  subscribe(listener: WorkNoticeListener, interest: NoticeInterest): () => void {
    this.#listeners.set(listener, interest);
    if (this.#stream === undefined && this.#reopen === undefined) this.#open();
    else if (this.#stream !== undefined && !this.#carries.has(interest)) this.#widen();
    return () => {
      this.#listeners.delete(listener);
    };
  }

  ready(): Promise<boolean> {
    // Between a failure and the reopen, the answer is no: a waiter polls rather than wait for the next attempt.
    if (this.#live || this.#closed || this.#unavailable || this.#reopen !== undefined) return Promise.resolve(this.#live);
    if (this.#stream === undefined && this.#reopen === undefined) this.#open();
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reopen);
    this.#settleReady(false);
    const stream = this.#stream;
    this.#stream = undefined;
    this.#live = false;
    await stream?.close().catch(() => undefined);
  }

  // A listener wants notices the open stream does not carry: the stream reopens with them, resuming after the last
  // change it read (its listeners miss nothing, and see neither `lost` nor `opened`). Feeds only widen: a process that
  // has had waiters keeps hearing of finishes.
  #widen(): void {
    const stream = this.#stream;
    if (stream === undefined) return;
    this.#token = stream.resumeToken ?? this.#token;
    this.#stream = undefined;
    void stream.close().catch(() => undefined);
    this.#open();
  }

  #open(): void {
    if (this.#closed || this.#unavailable) return;
    let stream: ChangeStream;
    const carries = new Set(this.#listeners.values());
    try {
      stream = this.#db.watch(this.#pipeline(carries), {
        fullDocument: 'updateLookup',
        maxAwaitTimeMS: MAX_AWAIT_MS,
        ...(this.#token === undefined ? {} : { resumeAfter: this.#token }),
      });
    } catch (error) {
      // Refused before anything was sent (a closed client, say): the same as a failed stream, never the caller's error.
      this.#options.log('warn', 'could not open the change stream of work notices; polling until it opens', error);
      this.#lose();
      this.#reopenLater();
      return;
    }
    this.#stream = stream;
    this.#carries = carries;
    // The first resume token comes with the answer to the stream's aggregate (its post-batch token): the feed is
    // open from then on. Later ones come with each batch, and with each resume the driver makes on its own.
    stream.on('resumeTokenChanged', () => {
      if (this.#stream !== stream || this.#live) return;
      this.#live = true;
      this.#settleReady(true);
      this.#emit({ kind: 'opened' });
    });
    stream.on('change', (change: Document) => {
      if (this.#stream === stream) this.#deliver(change);
    });
    stream.on('error', (error: unknown) => this.#failed(stream, error));
    // The driver closes an emitter-mode stream just before it emits the error that closed it: the error speaks first.
    stream.on('close', () => setImmediate(() => this.#failed(stream, undefined)));
  }

  // The stream ended (an error the driver could not resume from, or closed under us): report and reopen later.
  #failed(stream: ChangeStream, error: unknown): void {
    if (this.#stream !== stream || this.#closed) return;
    this.#token = stream.resumeToken ?? this.#token;
    this.#stream = undefined;
    void stream.close().catch(() => undefined);
    const code = codeOf(error);
    if (code !== undefined && UNSUPPORTED_CODES.has(code)) {
      this.#unavailable = true;
      this.#options.log('info', 'no change streams here (not a replica set, or the user may not open one): workers and waiters poll', error);
      this.#settleReady(false);
      return;
    }
    if (code !== undefined && RESTART_CODES.has(code)) this.#token = undefined;
    this.#lose();
    this.#options.log('warn', 'the change stream of work notices failed; polling until it reopens', error);
    this.#reopenLater();
  }

  // The feed is down until a stream opens again: waiters for it are told no, listeners that it is lost.
  #lose(): void {
    const wasLive = this.#live;
    this.#live = false;
    this.#settleReady(false);
    if (wasLive) this.#emit({ kind: 'lost' });
  }

  #reopenLater(): void {
    this.#reopen = setTimeout(() => {
      this.#reopen = undefined;
      this.#open();
    }, this.#options.reopenDelayMs ?? 1_000);
    this.#reopen.unref();
  }

  #deliver(change: ProjectedChange): void {
    const doc = change.fullDocument;
    const id = change.documentKey?._id;
    if (doc === undefined) return;
    if (change.ns?.coll === this.#instances) {
      if (typeof id !== 'string') return;
      if (doc.runtimeStatus !== undefined && TERMINAL_STATUSES.has(doc.runtimeStatus)) {
        this.#emit({ kind: 'instanceFinished', instanceId: id });
      } else {
        this.#emit({ kind: 'instanceWork', instanceId: id, availableAt: doc.work?.availableAt ?? new Date(0) });
      }
      return;
    }
    const { activity, timer } = this.#options.jobs;
    if ((doc.name === activity || doc.name === timer) && doc.nextRunAt instanceof Date) {
      const storedBy = typeof doc.lastModifiedBy === 'string' ? { storedBy: doc.lastModifiedBy } : {};
      this.#emit({ kind: 'jobDue', job: doc.name === activity ? 'activity' : 'timer', runAt: doc.nextRunAt, ...storedBy });
    }
  }

  #emit(notice: WorkNotice): void {
    const interest: NoticeInterest | undefined = notice.kind === 'instanceFinished' ? 'finished' : notice.kind === 'opened' || notice.kind === 'lost' ? undefined : 'work';
    for (const [listener, wants] of [...this.#listeners]) if (interest === undefined || wants === interest) listener(notice);
  }

  #settleReady(live: boolean): void {
    const waiters = this.#readyWaiters;
    this.#readyWaiters = [];
    for (const resolve of waiters) resolve(live);
  }

  // Filtered and projected by the server: a change nobody here acts on never leaves it.
  #pipeline(carries: ReadonlySet<NoticeInterest>): Document[] {
    const { collection, activity, timer } = this.#options.jobs;
    const instances = this.#instances;
    const work = carries.has('work');
    const clauses: Document[] = [];
    if (work) clauses.push({ 'ns.coll': instances, 'fullDocument.work.pending': true, 'fullDocument.lease': { $exists: false } });
    // Finished by this change: a later write to a finished instance (its release) tells nobody anything new.
    if (carries.has('finished')) {
      clauses.push({
        'ns.coll': instances, 'fullDocument.runtimeStatus': { $in: [...TERMINAL_STATUSES] },
        $or: [{ operationType: { $ne: 'update' } }, { 'updateDescription.updatedFields.runtimeStatus': { $exists: true } }],
      });
    }
    if (work) clauses.push({ 'ns.coll': collection, 'fullDocument.name': { $in: [activity, timer] }, 'fullDocument.lockedAt': null, 'fullDocument.nextRunAt': { $type: 'date' }, 'fullDocument.disabled': { $ne: true } });
    return [
      // On the change alone (no document): the server filters these before it looks a document up. An update that
      // sets a lease (a claim) neither makes work claimable nor finishes an instance.
      {
        $match: {
          operationType: { $in: ['insert', 'update', 'replace'] }, 'ns.coll': { $in: work ? [instances, collection] : [instances] },
          'updateDescription.updatedFields.lease': { $exists: false },
        },
      },
      { $match: { $or: clauses } },
      { $project: { ns: 1, documentKey: 1, 'fullDocument.runtimeStatus': 1, 'fullDocument.work.availableAt': 1, 'fullDocument.name': 1, 'fullDocument.nextRunAt': 1, 'fullDocument.lastModifiedBy': 1 } },
    ];
  }
}

function codeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}
