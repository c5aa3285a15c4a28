import { createHash } from 'node:crypto';
import { DurableError } from '../core/durable-error.js';
import { assertVersion, compareVersions } from '../core/orchestration-version.js';
import type { VersionClaim } from '../ports/work-claims.js';
import type { DurableRegistry } from '../registry/durable-registry.js';

/**
 * Which instances a worker runs, by their orchestration version (Durable Functions' `versionMatchStrategy`):
 * `'none'` runs every instance, whatever its version; `'strict'` only instances of exactly the worker's `version`;
 * `'currentOrOlder'` instances of the worker's version or an older one (see `compareVersions`; an instance without a
 * version is older than every version).
 */
export type VersionMatch = 'none' | 'strict' | 'currentOrOlder';

/**
 * What a worker does with an instance its {@link VersionMatch} does not accept (Durable Functions'
 * `versionFailureStrategy`): `'reject'` leaves it for a worker that accepts it (it waits, untouched, until one runs);
 * `'fail'` fails it with a `VersionMismatchError` naming both versions.
 */
export type VersionMismatchAction = 'reject' | 'fail';

/**
 * `Durably.create({ versioning })`: which instances this process's worker runs, by version.
 *
 * @example
 * ```ts
 * // v2 workers run v2 instances and older ones; v1 workers (match 'strict') leave v2 instances alone.
 * await Durably.create({ version: '2.0', versioning: { match: 'currentOrOlder', onMismatch: 'reject' }, orchestrators });
 * ```
 */
export interface VersioningOptions {
  /** Default `'none'`: every instance runs on every worker. */
  readonly match?: VersionMatch;
  /** Default `'reject'`. */
  readonly onMismatch?: VersionMismatchAction;
}

/** The app's version and versioning, checked. */
export interface ResolvedVersioning {
  /** `Durably.create({ version })`: the default version of the instances this app starts. */
  readonly version: string | undefined;
  readonly match: VersionMatch;
  readonly onMismatch: VersionMismatchAction;
}

const MATCHES: readonly VersionMatch[] = ['none', 'strict', 'currentOrOlder'];
const MISMATCH_ACTIONS: readonly VersionMismatchAction[] = ['reject', 'fail'];

/**
 * Checks `version` and `versioning` and fills in the defaults (no version, match `'none'`, onMismatch `'reject'`).
 * @throws DurableError with code `INVALID_OPTIONS` for a version that is not a non-empty string of at most 100
 *   characters, or an unknown `match` or `onMismatch`.
 */
export function resolveVersioning(options: { readonly version?: unknown; readonly versioning?: unknown }): ResolvedVersioning {
  const { version } = options;
  if (version !== undefined) {
    try {
      assertVersion(version, "Durably option 'version'");
    } catch (error) {
      throw new DurableError('INVALID_OPTIONS', (error as Error).message);
    }
  }
  const versioning: unknown = options.versioning ?? {};
  if (typeof versioning !== 'object' || versioning === null) throw new DurableError('INVALID_OPTIONS', "Durably option 'versioning' must be an object");
  const { match = 'none', onMismatch = 'reject' } = versioning as { match?: unknown; onMismatch?: unknown };
  if (!MATCHES.includes(match as VersionMatch)) {
    throw new DurableError('INVALID_OPTIONS', `Durably option 'versioning.match' must be one of ${MATCHES.map((m) => `'${m}'`).join(', ')}, got ${String(match)}`);
  }
  if (!MISMATCH_ACTIONS.includes(onMismatch as VersionMismatchAction)) {
    throw new DurableError('INVALID_OPTIONS', `Durably option 'versioning.onMismatch' must be 'reject' or 'fail', got ${String(onMismatch)}`);
  }
  return { version, match: match as VersionMatch, onMismatch: onMismatch as VersionMismatchAction };
}

/** Whether a worker with these settings runs an instance of `instanceVersion` (undefined: started without one). */
export function acceptsVersion(versioning: Pick<ResolvedVersioning, 'version' | 'match'>, instanceVersion: string | undefined): boolean {
  switch (versioning.match) {
    case 'none': return true;
    case 'strict': return compareVersions(instanceVersion, versioning.version) === 0;
    case 'currentOrOlder': return compareVersions(instanceVersion, versioning.version) <= 0;
  }
}

/**
 * What the claims of a worker that leaves mismatched instances to others (`onMismatch: 'reject'`) ask of the store:
 * only the versions it runs. Undefined when the worker runs every version, or fails the ones it does not accept
 * (it must claim them to fail them): then the claim is the plain one.
 */
export function versionClaimOf(versioning: ResolvedVersioning): VersionClaim | undefined {
  if (versioning.match === 'none' || versioning.onMismatch !== 'reject') return undefined;
  return { match: versioning.match, version: versioning.version };
}

/**
 * A hash of the registered orchestrators (names and source text: a deploy that changes any of them changes it) and
 * the versioning. Stored with an instance's stuck marker: a worker whose fingerprint differs from the one the instance
 * got stuck under may run the code or version that resolves it, so it retries the instance at once, not after the
 * stuck backoff.
 */
export function codeFingerprint(registry: DurableRegistry, versioning: ResolvedVersioning): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify([versioning.version ?? null, versioning.match, versioning.onMismatch]));
  for (const name of [...registry.orchestratorNames()].sort()) {
    const type = registry.getOrchestrator(name)?.type;
    hash.update(`\u0000${name}\u0000${type === undefined ? '' : Function.prototype.toString.call(type)}`);
  }
  return hash.digest('hex').slice(0, 32);
}
