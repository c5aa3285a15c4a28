import { AsyncResource } from 'node:async_hooks';
import { InMemoryNotificationChannel, type JobNotification, type NotificationHandler } from 'agenda';

/**
 * Agenda's in-process notification channel (a job saved in this process starts in milliseconds instead of at the
 * next poll), with two changes to how subscribers are called:
 *
 * - in the async context in which they subscribed, not the publisher's: Agenda's processor subscribes inside
 *   `agenda.start()`, which the scheduler runs in its {@link AgendaTimerScope}, so the queue passes a notification
 *   triggers (and the timers they create) belong to that scope even when a job is scheduled from anywhere else;
 * - detached: `save()` awaits `publish()`, and the processor's handler locks jobs (two findAndModify round trips)
 *   before it resolves; the scheduling caller need not wait for that.
 */
export class WorkerNotificationChannel extends InMemoryNotificationChannel {
  readonly #onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void) {
    super();
    this.#onError = onError;
  }

  override subscribe(handler: NotificationHandler): () => void {
    const inSubscriberContext = AsyncResource.bind((notification: JobNotification): void => {
      try {
        void Promise.resolve(handler(notification)).catch(this.#onError);
      } catch (error) {
        this.#onError(error);
      }
    });
    return super.subscribe(inSubscriberContext);
  }
}
