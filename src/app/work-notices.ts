import type { MongoConnection } from '../adapters/mongodb/connect-mongo.js';
import { JobName } from '../adapters/agenda/job-name.js';
import { CollectionSuffix } from '../adapters/mongodb/collection-suffix.js';
import { MongoWorkNotifications } from '../adapters/mongodb/mongo-work-notifications.js';
import { DurableError } from '../core/durable-error.js';
import type { StructuredLog } from '../core/runtime-logger.js';
import type { WorkNotifications } from '../ports/work-notifications.js';

/**
 * The app's feed of work notices (one change stream for the process, opened when first needed), or undefined when
 * `changeStreams` is false or time is virtual (the test environment moves its clock; it polls).
 *
 * @throws DurableError `INVALID_OPTIONS` when `changeStreams` is not a boolean.
 */
export function createWorkNotifications(db: MongoConnection['db'], options: { readonly taskHub: string; readonly changeStreams: unknown; readonly virtualTime: boolean; readonly log: StructuredLog }): WorkNotifications | undefined {
  const { changeStreams } = options;
  if (changeStreams !== undefined && typeof changeStreams !== 'boolean') {
    throw new DurableError('INVALID_OPTIONS', `Durably option 'changeStreams' must be a boolean, got ${typeof changeStreams}`);
  }
  if (changeStreams === false || options.virtualTime) return undefined;
  return new MongoWorkNotifications(db, {
    taskHub: options.taskHub,
    jobs: { collection: `${options.taskHub}.${CollectionSuffix.Jobs}`, activity: JobName.Activity, timer: JobName.Timer },
    log: (level, message, error) => options.log(level, message, { ...(level === 'warn' ? { event: 'notifications.failed' as const } : {}), ...(error === undefined ? {} : { error }) }),
  });
}
