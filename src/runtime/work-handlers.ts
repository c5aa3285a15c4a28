import { decodePayload, encodePayload } from '../core/codec.js';
import { DurableError } from '../core/durable-error.js';
import { failureDetailsFrom } from '../core/failure-details-from.js';
import { assertPayloadSize } from '../core/payload-limit.js';
import { HistoryEventType, type HistoryEvent } from '../history/history-event.js';
import { TERMINAL_STATUSES, type InstanceStore } from '../ports/instance-store.js';
import type { Clock } from '../ports/clock.js';
import type { ActivityJob, ActivityRunOptions, TimedOutActivity, TimerJob, WorkHandlers } from '../ports/work-scheduler.js';
import { ActivityTimeoutError } from '../core/errors/activity-timeout-error.js';
import { attemptOf, RunningActivityContext, runUntilAborted } from './running-activity-context.js';
import type { ActivityResolver } from '../registry/activity-resolver.js';
import { DedupeKey } from './action-dispatcher.js';
import { crashPoint } from './crash-point.js';
import type { ResolvedTuning } from './durably-options.js';
import type { LocalResults } from './local-results.js';
import type { ResumeHere } from './resume-here.js';
import type { StructuredLog } from '../core/runtime-logger.js';
import type { Telemetry } from '../telemetry/telemetry.js';

/**
 * Starts of an activity that never ended (crashed, froze or timed out its worker) before its task is failed as
 * poison: `maxActivityDeliveries`, at least 2 — the last of them runs alone in its worker, so that a crash beside
 * another activity's never counts alone.
 */
export function activityPoisonCap(maxActivityDeliveries: number): number {
  return Math.max(maxActivityDeliveries, 2);
}

/**
 * Runs activities and fires timers for the scheduler, recording each outcome as a message to the instance. The
 * message's dedupe key is the action's identity, so a re-run activity (at-least-once) is recorded exactly once.
 */
export function createWorkHandlers(deps: {
  readonly store: InstanceStore;
  readonly activities: ActivityResolver;
  readonly tuning: ResolvedTuning;
  readonly log: StructuredLog;
  readonly wake: () => void;
  /** Where a result goes first: the episode holding the instance, if one of this process does. */
  readonly localResults: LocalResults;
  /** Timestamps of the recorded outcomes. */
  readonly clock: Clock;
  /** Where an outcome goes next: straight to its instance, when this process can run it at once. */
  readonly resumeHere?: ResumeHere;
  /** The app's spans and metrics: each attempt runs in its span. */
  readonly telemetry: Telemetry;
}): WorkHandlers {
  const { store, activities, tuning, log, wake, localResults, clock, resumeHere, telemetry } = deps;

  // A storage error (the database restarting, a connection closed) must not drop a job's outcome: a handler that
  // throws makes the scheduler fail the job for good, and its instance would wait forever. Retry instead (the job's
  // lock is renewed meanwhile) for up to activityLockMs; every step retried here is idempotent.
  const retrying = async <T>(what: string, step: () => Promise<T>): Promise<T> => {
    const giveUpAt = Date.now() + tuning.activityLockMs;
    for (let delayMs = 100; ; delayMs = Math.min(delayMs * 2, 5_000)) {
      try {
        return await step();
      } catch (error) {
        if (error instanceof DurableError || Date.now() + delayMs > giveUpAt) throw error;
        log('warn', `${what} failed; retrying in ${delayMs} ms`, { event: 'storage.retry', retryInMs: delayMs, error });
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  };

  const record = async (instanceId: string, executionId: string, event: HistoryEvent, dedupeKey: string): Promise<void> => {
    // Any failure on the direct route (a claim that hit a storage error) leaves the inbox, which retries.
    if (resumeHere !== undefined && await resumeHere(instanceId, executionId, event).catch(() => false)) return;
    await retrying(`recording ${dedupeKey}`, () => store.sendMessage(instanceId, event, { dedupeKey, executionId, now: clock.now() }));
    localResults.inboxed(instanceId);
    wake();
  };

  return {
    async runActivity(job: ActivityJob, deliveries: number, options: ActivityRunOptions = {}): Promise<void> {
      const deliver = localResults.begin(job.instanceId);
      let event: HistoryEvent | undefined;
      try {
        event = await runOne(job, deliveries, options);
      } catch (error) {
        await deliver(job.executionId, undefined);
        throw error;
      }
      if (event !== undefined) crashPoint('after-activity-run');
      // Recorded by the episode of this process that holds the instance, or else sent to its inbox.
      const delivered = await deliver(job.executionId, event);
      if (delivered) crashPoint('before-job-finish');
      // Started before a commit that then did not land: whatever history is kept will dispatch its own.
      if (delivered || event === undefined || localResults.isVoid(job)) return;
      await record(job.instanceId, job.executionId, event, DedupeKey.taskResult(job.instanceId, job.executionId, job.sequence));
    },

    async timeOutActivity(job: ActivityJob, timedOut: TimedOutActivity): Promise<void> {
      const limitMs = (timedOut.timeout === 'heartbeat' ? job.limits?.heartbeatTimeoutMs : job.limits?.startToCloseTimeoutMs) ?? 0;
      const timeout = new ActivityTimeoutError(timedOut.timeout, job.name, limitMs);
      const attempt = attemptOf(job, timedOut.deliveries);
      log('warn', `${timeout.message} Its worker is gone (instance '${job.instanceId}', attempt ${attempt}); recorded as a failed attempt.`, {
        event: 'activity.timed-out', instanceId: job.instanceId, executionId: job.executionId, name: job.name, taskId: job.sequence, attempt, error: timeout,
      });
      await record(job.instanceId, job.executionId, {
        type: HistoryEventType.TaskFailed, eventId: -1, timestamp: clock.now(), taskScheduledId: job.sequence, failureDetails: failureDetailsFrom(timeout),
        ...(timedOut.heartbeatDetails === undefined ? {} : { heartbeatDetails: timedOut.heartbeatDetails }),
      }, DedupeKey.taskResult(job.instanceId, job.executionId, job.sequence));
    },

    async fireTimer(job: TimerJob): Promise<void> {
      const { instanceId, executionId, sequence, fireAt } = job;
      const event: HistoryEvent = { type: HistoryEventType.TimerFired, eventId: -1, timestamp: clock.now(), timerId: sequence, fireAt };
      crashPoint('after-timer-fired');
      await record(instanceId, executionId, event, DedupeKey.timerFired(instanceId, executionId, sequence));
    },
  };

  // Runs the activity, unless its instance is gone or moved on; the event recording the outcome.
  async function runOne(job: ActivityJob, deliveries: number, options: ActivityRunOptions): Promise<HistoryEvent | undefined> {
    const { instanceId, executionId, sequence, name } = job;
    if (options.justScheduled !== true) {
      const instance = await retrying(`reading instance '${instanceId}'`, () => store.getInstance(instanceId));
      if (instance === undefined || instance.executionId !== executionId || TERMINAL_STATUSES.has(instance.runtimeStatus)) {
        // The instance finished, was purged or moved on: its late work is not run.
        return undefined;
      }
    }
    let event: HistoryEvent;
    // `deliveries` - 1 earlier starts never ended: each crashed, froze or timed out its worker — or was cut short by
    // another activity crashing it. The scheduler runs the start that reaches the cap alone in its worker (Durably
    // sets its aloneFromDeliveries to activityPoisonCap), so the task fails only after a start died alone: an
    // innocent activity killed beside a poison one finishes on that lone run.
    if (deliveries > activityPoisonCap(tuning.maxActivityDeliveries)) {
      event = {
        type: HistoryEventType.TaskFailed, eventId: -1, timestamp: clock.now(), taskScheduledId: sequence,
        failureDetails: {
          errorType: 'PoisonActivity',
          errorMessage: `Activity '${name}' was started ${deliveries - 1} times without finishing, the last time alone in its worker (it keeps crashing or timing out its worker); it was failed instead of being run again.`,
          isNonRetriable: true,
        },
      };
      log('error', event.failureDetails.errorMessage, { event: 'activity.poisoned', instanceId, executionId, name, taskId: sequence, attempt: deliveries });
    } else {
      const attempt = attemptOf(job, deliveries);
      const context = new RunningActivityContext(job, attempt, options, tuning.maxPayloadBytes);
      // The attempt's span is the active one while its code runs: the user's own spans nest under it.
      const span = telemetry.tracer.startActivity(job, attempt);
      if (attempt > 1) telemetry.metrics.retried('activity', name);
      const startedAt = performance.now();
      const outcome = await runUntilAborted(() => span.run(() => activities.resolve(name).run(decodePayload(job.input), context)), context.signal);
      const failure = outcome.kind === 'returned' ? undefined : outcome.kind === 'aborted' ? outcome.reason : outcome.error;
      span.end(failure);
      telemetry.metrics.activityFinished(name, performance.now() - startedAt, failure !== undefined);
      // Cancelled (its call, or its instance): history already gave it up, so there is nothing to record.
      if (outcome.kind === 'aborted' && !(outcome.reason instanceof ActivityTimeoutError)) return undefined;
      const details = context.latestDetails === undefined ? {} : { heartbeatDetails: context.latestDetails };
      try {
        if (outcome.kind !== 'returned') throw outcome.kind === 'aborted' ? outcome.reason : outcome.error;
        const encoded = assertPayloadSize(encodePayload(outcome.value, `result of activity '${name}'`), `result of activity '${name}'`, tuning.maxPayloadBytes);
        event = { type: HistoryEventType.TaskCompleted, eventId: -1, timestamp: clock.now(), taskScheduledId: sequence, result: encoded };
      } catch (error) {
        event = { type: HistoryEventType.TaskFailed, eventId: -1, timestamp: clock.now(), taskScheduledId: sequence, failureDetails: failureDetailsFrom(error), ...details };
        const timedOut = error instanceof ActivityTimeoutError;
        log(timedOut ? 'warn' : 'debug', `activity '${name}' of '${instanceId}' ${timedOut ? 'timed out' : 'failed'} (attempt ${attempt})`, {
          event: timedOut ? 'activity.timed-out' : 'activity.failed', instanceId, executionId, name, taskId: sequence, attempt, error,
        });
      }
    }
    return event;
  }
}
