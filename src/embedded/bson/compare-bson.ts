/**
 * MongoDB's total order over BSON values (the order used by sort, comparison operators and indexes),
 * for values as `bson.deserialize(buf, { promoteValues: true })` produces them.
 *
 * @module
 */
import { asPlainObject, binaryParts, regexParts, stringValue, type CodeLike, type TimestampLike } from './bson-value-parts.js';
import { compareDoubles, compareNumbers } from './exact-number.js';
import { BracketEdge, rankOf, TypeRank } from './type-rank.js';

/**
 * Compares two BSON values in MongoDB's order: MinKey < null (and undefined) < numbers < strings and
 * symbols < objects < arrays < binary < ObjectId < booleans < dates < timestamps < regular expressions
 * < code < MaxKey. Numbers compare by exact value across int, double, Long and Decimal128; NaN sorts
 * below every other number and equals NaN; -0 equals 0. Strings compare by UTF-8 bytes (code points).
 * Objects compare field by field (value type, then field name, then value), arrays element by element;
 * the shorter one first when one is a prefix of the other.
 *
 * Known gap: JS objects list integer-like keys (`'1'`) before the others whatever their BSON order, so
 * documents with such field names may compare differently from MongoDB.
 *
 * @returns a negative number, 0 or a positive number.
 */
export function compareBson(a: unknown, b: unknown): number {
  // Stored documents share unchanged subtrees with their updated versions: comparing them stops at the first shared one.
  if (a === b && a !== null && typeof a === 'object') return 0;
  if (typeof a === 'number' && typeof b === 'number') return compareDoubles(a, b);
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  const ra = rankOf(a);
  const rb = rankOf(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  if (a instanceof BracketEdge) return b instanceof BracketEdge ? sign(a.side - b.side) : a.side;
  if (b instanceof BracketEdge) return -b.side;
  return compareSameRank(ra, a, b);
}

/** `compareBson(a, b) === 0`. */
export function bsonEquals(a: unknown, b: unknown): boolean {
  return compareBson(a, b) === 0;
}

function sign(n: number): number {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

function compareSameRank(rank: TypeRank, a: unknown, b: unknown): number {
  switch (rank) {
    case TypeRank.Number:
      return compareNumbers(a, b);
    case TypeRank.String:
      return compareStrings(stringValue(a), stringValue(b));
    case TypeRank.Object:
      return compareObjects(asPlainObject(a as object), asPlainObject(b as object));
    case TypeRank.Array:
      return compareArrays(a as readonly unknown[], b as readonly unknown[]);
    case TypeRank.Binary:
      return compareBinaries(a as object, b as object);
    case TypeRank.ObjectId:
      return compareBytes((a as { id: Uint8Array }).id, (b as { id: Uint8Array }).id);
    case TypeRank.Boolean:
      return a === b ? 0 : a === false ? -1 : 1;
    case TypeRank.Date:
      return compareDoubles((a as Date).getTime(), (b as Date).getTime());
    case TypeRank.Timestamp:
      return compareTimestamps(a as TimestampLike, b as TimestampLike);
    case TypeRank.RegExp: {
      const [pa, fa] = regexParts(a as object);
      const [pb, fb] = regexParts(b as object);
      return compareStrings(pa, pb) || compareStrings(fa, fb);
    }
    case TypeRank.Code:
    case TypeRank.CodeWithScope: {
      const ca = a as CodeLike;
      const cb = b as CodeLike;
      return compareStrings(String(ca.code), String(cb.code)) || compareBson(ca.scope ?? null, cb.scope ?? null);
    }
    default:
      // MinKey, null, MaxKey: one value per bracket.
      return 0;
  }
}

/**
 * Code-point (= UTF-8 byte) order. JS `<` compares UTF-16 code units, which misplaces characters above
 * U+FFFF (surrogate pairs) below U+E000..U+FFFF; the first differing unit is remapped to fix that.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) {
      if (ca >= 0xd800 && cb >= 0xd800) return codePointRank(ca) < codePointRank(cb) ? -1 : 1;
      return ca < cb ? -1 : 1;
    }
  }
  return a.length < b.length ? -1 : 1;
}

function codePointRank(unit: number): number {
  // Surrogates (U+D800..U+DFFF) encode code points above U+FFFF: move them above U+E000..U+FFFF.
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

function compareObjects(a: object, b: object): number {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  const n = Math.min(ka.length, kb.length);
  for (let i = 0; i < n; i++) {
    const fa = ka[i] as string;
    const fb = kb[i] as string;
    const va = (a as Record<string, unknown>)[fa];
    const vb = (b as Record<string, unknown>)[fb];
    // MongoDB compares each element's type bracket before its field name.
    const ra = rankOf(va);
    const rb = rankOf(vb);
    if (ra !== rb) return ra < rb ? -1 : 1;
    const byName = compareStrings(fa, fb);
    if (byName !== 0) return byName;
    const byValue = compareBson(va, vb);
    if (byValue !== 0) return byValue;
  }
  return ka.length - kb.length;
}

function compareArrays(a: readonly unknown[], b: readonly unknown[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareBson(a[i], b[i]);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function compareBinaries(a: object, b: object): number {
  const pa = binaryParts(a);
  const pb = binaryParts(b);
  if (pa.bytes.length !== pb.bytes.length) return pa.bytes.length < pb.bytes.length ? -1 : 1;
  if (pa.subType !== pb.subType) return pa.subType < pb.subType ? -1 : 1;
  return compareBytes(pa.bytes, pb.bytes);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

function compareTimestamps(a: TimestampLike, b: TimestampLike): number {
  return (
    compareDoubles(a.getHighBitsUnsigned(), b.getHighBitsUnsigned()) ||
    compareDoubles(a.getLowBitsUnsigned(), b.getLowBitsUnsigned())
  );
}
