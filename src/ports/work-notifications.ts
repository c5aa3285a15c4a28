/**
 * What the database tells a process about work other processes made (a change stream on a replica set): so that a
 * worker claims an instance, an activity or a timer as soon as it is stored, and a waiter learns that an instance
 * finished, without asking. Polling stays as the safety net: notices can be late, duplicated or — while the feed is
 * down — missing, and every consumer must stay correct without them.
 *
 * @module
 */

/** One thing a process may act on. */
export type WorkNotice =
  /**
   * The feed is live: the first open, or a reopen after it was lost. Changes made while it was down may have been
   * missed (when it could not resume where it stopped): look once for everything.
   */
  | { readonly kind: 'opened' }
  /** The feed is down (it reopens on its own): poll as if there were no feed until `opened`. */
  | { readonly kind: 'lost' }
  /** An instance has work no worker holds: claimable from `availableAt`. */
  | { readonly kind: 'instanceWork'; readonly instanceId: string; readonly availableAt: Date }
  /** An instance's execution ended (Completed, Failed, Terminated or Canceled). */
  | { readonly kind: 'instanceFinished'; readonly instanceId: string }
  /** An activity or timer job is stored unlocked, due at `runAt`; `storedBy` names the scheduler that wrote it last. */
  | { readonly kind: 'jobDue'; readonly job: 'activity' | 'timer'; readonly runAt: Date; readonly storedBy?: string };

/** A listener of {@link WorkNotifications}. It must not throw. */
export type WorkNoticeListener = (notice: WorkNotice) => void;

/**
 * What a listener wants to hear of, besides `opened` and `lost`: `work` (instanceWork, jobDue: a worker) or `finished`
 * (instanceFinished: a waiter). The feed carries only what its listeners want, so a client-only process is not sent
 * every new instance, and a worker without waiters is not sent every finish.
 */
export type NoticeInterest = 'work' | 'finished';

/**
 * The feed of {@link WorkNotice}s of one task hub: one per process, shared by its worker and its waiters. It opens
 * with the first subscriber, reopens by itself after an error (resuming where it stopped when it can), and closes
 * with {@link WorkNotifications.close}.
 */
export interface WorkNotifications {
  /** Whether the feed is open now: notices arrive as changes are made. */
  readonly live: boolean;
  /**
   * Adds a listener of the notices of `interest` (opening the feed if it is not open, or widening it to carry them,
   * resuming where it was: no notice its other listeners want is lost); returns the function that removes it.
   */
  subscribe(listener: WorkNoticeListener, interest: NoticeInterest): () => void;
  /**
   * Resolves once the feed is open (true), or when it cannot be had — a standalone server, the feed turned off, an
   * error — (false). A change made after it resolves true is noticed.
   */
  ready(): Promise<boolean>;
  /** Closes the feed; no notice is delivered after it resolves. */
  close(): Promise<void>;
}
