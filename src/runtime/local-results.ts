import { DurableError } from '../core/durable-error.js';
import type { HistoryEvent } from '../history/history-event.js';

/** An activity result handed to the episode that holds its instance, and how to tell the activity what became of it. */
export interface LocalResult {
  readonly event: HistoryEvent;
  /** true: a committed episode recorded it (or found it already recorded); false: it was not, send it as a message. */
  settle(recorded: boolean): void;
}

/** The results of one instance, collected while an episode of this process holds its lease. */
export interface ResultSession {
  /** Results that arrived since the last call, now in the caller's hands: it must settle each. */
  take(): LocalResult[];
  /**
   * Waits up to `ms` for a result, or a message this process sent to the instance's inbox, to arrive: true as soon as
   * one has (with the others arriving in the same turn of the event loop), false at the timeout — or at once when
   * the instance has no activity open (`openActivities`, from its history) and none running in this process.
   */
  wait(ms: number, openActivities: number): Promise<boolean>;
  /** Whether results are waiting to be taken. */
  readonly hasResults: boolean;
  /** The results waiting to be taken (still the session's: not settled by looking). */
  peek(): readonly LocalResult[];
  /** Resolves at the next arrival of a result (true), or after `ms` (false). */
  waitForMore(ms: number): Promise<boolean>;
  /** Whether this process sent a message to the instance's inbox since the last take(). */
  readonly inboxed: boolean;
  /** Stops collecting: results not taken are settled `false` (their activities send them as messages). */
  close(): void;
}

/** A session that takes nothing: every result goes to the inbox. */
export const NO_RESULT_SESSION: ResultSession = {
  take: () => [],
  wait: () => Promise.resolve(false),
  hasResults: false,
  peek: () => [],
  waitForMore: () => Promise.resolve(false),
  inboxed: false,
  close: () => undefined,
};

interface OpenSession {
  readonly executionId: string;
  readonly results: LocalResult[];
  /** A message was sent to the instance's inbox from this process since the last take(). */
  inboxed: boolean;
  onArrival: (() => void) | undefined;
}

/**
 * Hands activity results straight to the episode that holds their instance, when both run in this process.
 *
 * While an episode has an instance leased, it collects the results of that instance's activities that finish in this
 * process; after committing, it lingers a moment for them and, if they come, runs the next episode under the same
 * lease with them as its new events. Each result is settled only once the commit that recorded it has succeeded:
 * until then its activity's job stays locked and unfinished, so if this process dies the job runs again elsewhere
 * (at least once) and history-level dedupe absorbs a second result. A result nobody takes is settled `false`, and
 * the activity sends it to the instance's inbox as usual.
 *
 * This saves, per activity, the inbox message (insert, work flag, load, delete) and a release and claim of the
 * instance.
 */
export class LocalResults {
  readonly #sessions = new Map<string, OpenSession>();
  readonly #running = new Map<string, number>();
  /** Activity starts (by their job) whose scheduling commit did not land: their outcomes are recorded nowhere. */
  readonly #voided = new WeakSet<object>();

  /**
   * The activities of these jobs were started before the commit that schedules them, and that commit did not land
   * (see `startEagerly`): their outcomes must not be sent as messages — the history that records them may schedule
   * something else under the same number. Their instance's next owner dispatches them again if they are scheduled.
   */
  voidStarts(jobs: readonly object[]): void {
    for (const job of jobs) this.#voided.add(job);
  }

  /** Whether this start's outcome is to be dropped (see {@link LocalResults.voidStarts}). */
  isVoid(job: object): boolean {
    return this.#voided.has(job);
  }

  /** Opens the session of an instance whose lease this process now holds. */
  open(instanceId: string, executionId: string): ResultSession {
    const session: OpenSession = { executionId, results: [], inboxed: false, onArrival: undefined };
    this.#sessions.set(instanceId, session);
    const running = (): number => this.#running.get(instanceId) ?? 0;
    return {
      take: () => {
        session.inboxed = false;
        return session.results.splice(0);
      },
      get hasResults() {
        return session.results.length > 0;
      },
      peek: () => session.results,
      waitForMore: (ms) => new Promise<boolean>((resolve) => {
        const previous = session.onArrival;
        const timer = setTimeout(() => {
          if (session.onArrival === arrival) session.onArrival = previous;
          resolve(false);
        }, ms);
        const arrival = (): void => {
          session.onArrival = previous;
          clearTimeout(timer);
          previous?.();
          resolve(true);
        };
        session.onArrival = arrival;
      }),
      get inboxed() {
        return session.inboxed;
      },
      wait: (ms, openActivities) => {
        const arrived = (): boolean => session.results.length > 0 || session.inboxed;
        if (arrived()) return Promise.resolve(true);
        if ((running() === 0 && openActivities === 0) || ms <= 0) return Promise.resolve(false);
        return new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => {
            session.onArrival = undefined;
            resolve(false);
          }, ms);
          session.onArrival = () => {
            session.onArrival = undefined;
            clearTimeout(timer);
            // Results finishing in the same turn join this one.
            setImmediate(() => resolve(arrived()));
          };
        });
      },
      close: () => {
        if (this.#sessions.get(instanceId) === session) this.#sessions.delete(instanceId);
        for (const result of session.results.splice(0)) result.settle(false);
        session.onArrival?.();
      },
    };
  }

  /**
   * This process sent a message to the instance's inbox (a result that missed its session, a timer): a session
   * waiting for the instance runs its next episode now, which reads the inbox, instead of waiting out its linger.
   */
  inboxed(instanceId: string): void {
    const session = this.#sessions.get(instanceId);
    if (session === undefined) return;
    session.inboxed = true;
    session.onArrival?.();
  }

  /**
   * Hands a result that arrived in this process (a timer fired here) to the session holding its instance, if one is
   * open for that execution: resolves to whether an episode recorded it. Undefined when no session is open.
   */
  offer(instanceId: string, executionId: string, event: HistoryEvent): Promise<boolean> | undefined {
    const session = this.#sessions.get(instanceId);
    if (session === undefined || session.executionId !== executionId) return undefined;
    return new Promise<boolean>((resolve) => {
      session.results.push({ event, settle: resolve });
      session.onArrival?.();
    });
  }

  /**
   * An activity of `instanceId` starts running in this process. Call the returned function exactly once with its
   * result event (it resolves to whether an episode recorded it), or with `undefined` when there is none to deliver.
   */
  begin(instanceId: string): (executionId: string, event: HistoryEvent | undefined) => Promise<boolean> {
    this.#running.set(instanceId, (this.#running.get(instanceId) ?? 0) + 1);
    let ended = false;
    return (executionId, event) => {
      if (ended) throw new DurableError('INTERNAL_ERROR', `an activity result of instance '${instanceId}' was delivered twice`);
      ended = true;
      const left = (this.#running.get(instanceId) ?? 1) - 1;
      if (left === 0) this.#running.delete(instanceId);
      else this.#running.set(instanceId, left);
      const session = this.#sessions.get(instanceId);
      if (event === undefined || session === undefined || session.executionId !== executionId) {
        // A session waiting for this activity need not wait any longer.
        if (left === 0) session?.onArrival?.();
        return Promise.resolve(false);
      }
      return new Promise<boolean>((resolve) => {
        session.results.push({ event, settle: resolve });
        session.onArrival?.();
      });
    };
  }
}
