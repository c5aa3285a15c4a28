import { DurableError } from '../core/durable-error.js';
import type { ActivityAttemptLimits } from '../history/history-event.js';
import type { ActivityCallPolicy } from './activity-call.js';
import type { ActivityTimeouts, CallActivityOptions } from './orchestration-context.js';
import { validateRetryOptions } from './retry-task.js';

/** The longest timeout accepted: what a JavaScript timer can wait (about 24.8 days). */
export const MAX_ACTIVITY_TIMEOUT_MS = 2 ** 31 - 1;

const TIMEOUT_FIELDS = ['startToCloseTimeoutMs', 'scheduleToCloseTimeoutMs', 'heartbeatTimeoutMs'] as const;

/**
 * Checks the timeouts of `options` (where `what` names them in the error): each, when set, a finite number of
 * milliseconds from 1 to {@link MAX_ACTIVITY_TIMEOUT_MS}.
 *
 * @throws DurableError `INVALID_ARGUMENT` naming the field and the value.
 */
export function validateActivityTimeouts(options: ActivityTimeouts, what: string): void {
  for (const field of TIMEOUT_FIELDS) {
    const value: unknown = options[field];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 1 || value > MAX_ACTIVITY_TIMEOUT_MS) {
      throw new DurableError('INVALID_ARGUMENT', `${what}: ${field} must be a number of milliseconds from 1 to ${MAX_ACTIVITY_TIMEOUT_MS}, got ${typeof value === 'number' ? value : typeof value}`);
    }
  }
}

/**
 * The policy of one activity call: each option of the call over the activity class's default (`@Activity({...})`),
 * checked where the call is written.
 *
 * @throws DurableError `INVALID_ARGUMENT` for a bad timeout, `INVALID_RETRY_OPTIONS` for a bad retry policy.
 */
export function activityCallPolicy(name: string, options: CallActivityOptions | undefined, defaults: CallActivityOptions | undefined): ActivityCallPolicy {
  if (options !== undefined && (options === null || typeof options !== 'object')) {
    throw new DurableError('INVALID_ARGUMENT', `callActivity('${name}'): options must be an object`);
  }
  if (options !== undefined) validateActivityTimeouts(options, `callActivity('${name}')`);
  const retry = options?.retry ?? defaults?.retry;
  if (retry !== undefined) validateRetryOptions(retry);
  const startToClose = options?.startToCloseTimeoutMs ?? defaults?.startToCloseTimeoutMs;
  const heartbeat = options?.heartbeatTimeoutMs ?? defaults?.heartbeatTimeoutMs;
  const scheduleToClose = options?.scheduleToCloseTimeoutMs ?? defaults?.scheduleToCloseTimeoutMs;
  const limits: ActivityAttemptLimits = {
    ...(startToClose === undefined ? {} : { startToCloseTimeoutMs: startToClose }),
    ...(heartbeat === undefined ? {} : { heartbeatTimeoutMs: heartbeat }),
  };
  return {
    ...(retry === undefined ? {} : { retry }),
    ...(Object.keys(limits).length === 0 ? {} : { limits }),
    ...(scheduleToClose === undefined ? {} : { scheduleToCloseTimeoutMs: scheduleToClose }),
  };
}

/**
 * The call defaults among an activity's registration options (`@Activity({ ... })`): its timeouts and retry policy,
 * checked; undefined when it declares none.
 *
 * @throws DurableError `INVALID_ARGUMENT` / `INVALID_RETRY_OPTIONS` naming the bad option.
 */
export function activityCallDefaults(options: CallActivityOptions, what: string): CallActivityOptions | undefined {
  validateActivityTimeouts(options, what);
  if (options.retry !== undefined) validateRetryOptions(options.retry);
  const defaults: CallActivityOptions = {
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    ...Object.fromEntries(TIMEOUT_FIELDS.filter((field) => options[field] !== undefined).map((field) => [field, options[field]])),
  };
  return Object.keys(defaults).length === 0 ? undefined : defaults;
}
