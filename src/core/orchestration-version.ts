import { DurableError } from './durable-error.js';

/** Longest orchestration version accepted (`Durably.create({ version })`, `startNew(O, { version })`). */
export const MAX_VERSION_LENGTH = 100;

/**
 * Compares two orchestration versions the way Durable Functions' versioning does, numerically where it matters:
 * negative when `a` is older than `b`, 0 when they are the same version, positive when `a` is newer.
 *
 * The rule: no version (`undefined`) is older than every version. Otherwise the two strings are read left to right in
 * runs of digits and runs of other characters; two digit runs compare as numbers (so `'1.10'` is newer than `'1.9'`,
 * and `'1.01'` is the same version as `'1.1'`), anything else compares by character code (case-sensitive); when one
 * version is a prefix of the other, the longer one is newer (`'2.0.1'` is newer than `'2.0'`).
 *
 * @example
 * ```ts
 * if (compareVersions(ctx.version, '2.0') >= 0) await ctx.callActivity(NotifyCustomer, order);   // 2.0 and later only
 * ```
 */
export function compareVersions(a: string | undefined, b: string | undefined): number {
  const ka = a === undefined ? undefined : versionSortKey(a);
  const kb = b === undefined ? undefined : versionSortKey(b);
  if (ka === kb) return 0;
  if (ka === undefined) return -1;
  if (kb === undefined) return 1;
  return ka < kb ? -1 : 1;
}

/**
 * A string whose plain (code unit) order is the order of {@link compareVersions}: each run of digits, stripped of its
 * leading zeros, is prefixed with its length as three digits, so that a longer number sorts after a shorter one and
 * numbers of one length sort by their digits. The prefix starts with a digit, so a number still sorts against other
 * characters as its first digit did. Stored beside the version so that a database can compare versions in a query.
 */
export function versionSortKey(version: string): string {
  return version.replace(/\d+/g, (digits) => {
    const number = digits.replace(/^0+(?=\d)/, '');
    return `${String(number.length).padStart(3, '0')}${number}`;
  });
}

/**
 * Checks an orchestration version given by the caller.
 * @throws DurableError with code `INVALID_ARGUMENT` unless it is a non-empty string of at most 100 characters.
 */
export function assertVersion(version: unknown, what: string): asserts version is string {
  if (typeof version !== 'string' || version.length === 0 || version.length > MAX_VERSION_LENGTH) {
    throw new DurableError('INVALID_ARGUMENT', `${what} must be a non-empty string of at most ${MAX_VERSION_LENGTH} characters, got ${typeof version === 'string' ? `'${version.slice(0, 40)}'` : String(version)}`);
  }
}
