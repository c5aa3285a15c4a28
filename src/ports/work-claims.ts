/**
 * What a worker's claims ask of the `InstanceStore`: which instances, and which stuck ones to retry now.
 *
 * @module
 */

/**
 * The orchestration versions a claim accepts (a worker with `versioning.onMismatch: 'reject'`): `strict`, only
 * instances of exactly `version`; `currentOrOlder`, those of `version` or older (`compareVersions`). Entities have no
 * version and are always accepted.
 */
export interface VersionClaim {
  readonly match: 'strict' | 'currentOrOlder';
  /** The worker's version; undefined when it has none (then only instances without a version are accepted). */
  readonly version: string | undefined;
}

/** Who claims, for how long, when, and (with `versions`) which instances: see `InstanceStore.claimWork`. */
export interface ClaimOptions {
  readonly workerId: string;
  readonly leaseMs: number;
  readonly now: Date;
  /** Only instances of these versions; every instance when undefined. */
  readonly versions?: VersionClaim;
}

/** Which stuck instances `InstanceStore.retryStuck` makes claimable at once. */
export interface StuckRetry {
  /** Only this instance. */
  readonly instanceId?: string;
  /** Only instances stuck under a code fingerprint other than this one (see `markStuck`'s `fingerprint`). */
  readonly exceptFingerprint?: string;
  readonly now: Date;
}
