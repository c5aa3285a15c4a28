import type { WorkNotifications } from '../ports/work-notifications.js';

/**
 * A waiter's ear on the app's {@link WorkNotifications}: told when one instance finishes (or when the feed reopens,
 * after which anything may have happened), so that `waitForCompletion` reads the status then instead of polling.
 */
export class FinishedWatch {
  readonly #notifications: WorkNotifications;
  readonly #unsubscribe: () => void;
  #noticed = false;
  #wake: (() => void) | undefined;

  private constructor(notifications: WorkNotifications, instanceId: string) {
    this.#notifications = notifications;
    this.#unsubscribe = notifications.subscribe((notice) => {
      if ((notice.kind === 'instanceFinished' && notice.instanceId === instanceId) || notice.kind === 'opened') {
        this.#noticed = true;
        this.#wake?.();
      }
    }, 'finished');
  }

  /** Listens for `instanceId`; resolves once the feed is open (or known to be down), so a status read after it is safe. */
  static async open(notifications: WorkNotifications, instanceId: string): Promise<FinishedWatch> {
    const watch = new FinishedWatch(notifications, instanceId);
    await notifications.ready();
    // The feed's opening (if this opened it) is no news: the first read comes after it.
    watch.#noticed = false;
    return watch;
  }

  /** Whether the feed is open: notices come, and the waiter need only re-read now and then. */
  get live(): boolean {
    return this.#notifications.live;
  }

  /** Resolves when a notice came since the last wait (true), or after `ms` (false). */
  wait(ms: number): Promise<boolean> {
    if (this.#noticed) {
      this.#noticed = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const done = (noticed: boolean): void => {
        clearTimeout(timer);
        this.#wake = undefined;
        this.#noticed = false;
        resolve(noticed);
      };
      const timer = setTimeout(() => done(false), ms);
      this.#wake = () => done(true);
    });
  }

  /** Stops listening. */
  close(): void {
    this.#unsubscribe();
    this.#wake?.();
  }
}
