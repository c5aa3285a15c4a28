import { DurableError } from '../durable-error.js';

/**
 * A worker met an instance whose orchestration version its `versioning.match` does not accept, and its
 * `versioning.onMismatch` is `'fail'`: the instance is failed with this error (its `failureDetails.errorType` is
 * `'VersionMismatchError'`). With `onMismatch: 'reject'` the worker leaves such instances to a worker that accepts
 * them instead. Code `VERSION_MISMATCH`.
 */
export class VersionMismatchError extends DurableError {
  readonly instanceId: string;
  /** The instance's orchestration version; undefined when it was started without one. */
  readonly instanceVersion: string | undefined;
  /** The version of the worker that refused it; undefined when the worker has none. */
  readonly workerVersion: string | undefined;
  /** The worker's `versioning.match`. */
  readonly match: 'strict' | 'currentOrOlder';

  constructor(details: { instanceId: string; instanceVersion: string | undefined; workerVersion: string | undefined; match: 'strict' | 'currentOrOlder' }) {
    const shown = (v: string | undefined): string => (v === undefined ? 'no version' : `version '${v}'`);
    const accepted = details.match === 'strict' ? 'only its own version' : 'its own version and older ones';
    super(
      'VERSION_MISMATCH',
      `Instance '${details.instanceId}' has orchestration ${shown(details.instanceVersion)}, but this worker runs ${shown(details.workerVersion)} and accepts ${accepted} (versioning.match '${details.match}', onMismatch 'fail'). Start it again with a version a worker accepts, or run a worker of its version with onMismatch 'reject' to keep such instances waiting instead.`,
    );
    this.instanceId = details.instanceId;
    this.instanceVersion = details.instanceVersion;
    this.workerVersion = details.workerVersion;
    this.match = details.match;
  }
}
