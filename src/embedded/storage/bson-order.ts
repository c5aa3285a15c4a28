/**
 * MongoDB's total order over BSON values (the order used by sort, comparison operators and indexes),
 * for values as `bson.deserialize(buf, { promoteValues: true })` produces them.
 *
 * @module
 */

/** Type-bracket ranks, in MongoDB's canonical order. */
const Rank = {
  MinKey: 0,
  Null: 5,
  Number: 10,
  String: 15,
  Object: 20,
  Array: 25,
  Binary: 30,
  ObjectId: 35,
  Boolean: 40,
  Date: 45,
  Timestamp: 47,
  RegExp: 50,
  Code: 60,
  CodeWithScope: 65,
  MaxKey: 127,
} as const;
type Rank = (typeof Rank)[keyof typeof Rank];

/** The type brackets an index bound can be clamped to (see {@link BracketEdge}). */
export type TypeBracket = 'number' | 'string' | 'objectId' | 'boolean' | 'date';

const bracketRanks: Readonly<Record<TypeBracket, Rank>> = {
  number: Rank.Number,
  string: Rank.String,
  objectId: Rank.ObjectId,
  boolean: Rank.Boolean,
  date: Rank.Date,
};

/**
 * A sentinel that {@link compareBson} places just below (`side = -1`) or just above (`side = 1`) every
 * value of one type bracket. Index bounds use it to express "every number above 5" without inventing a
 * largest number. It is never stored in documents.
 */
export class BracketEdge {
  /** @internal */
  readonly rank: number;
  /** The type bracket this edge bounds. */
  readonly bracket: TypeBracket;
  /** -1: below every value of the bracket; 1: above every value of it. */
  readonly side: -1 | 1;

  /**
   * @param bracket - the type bracket.
   * @param side - -1 for its lower edge, 1 for its upper edge.
   */
  constructor(bracket: TypeBracket, side: -1 | 1) {
    this.rank = bracketRanks[bracket];
    this.bracket = bracket;
    this.side = side;
  }
}

/** The type bracket a value belongs to, when it is one {@link BracketEdge} supports. */
export function typeBracketOf(value: unknown): TypeBracket | undefined {
  switch (rankOf(value)) {
    case Rank.Number:
      return 'number';
    case Rank.String:
      return 'string';
    case Rank.ObjectId:
      return 'objectId';
    case Rank.Boolean:
      return 'boolean';
    case Rank.Date:
      return 'date';
    default:
      return undefined;
  }
}

interface BsonTagged {
  readonly _bsontype: string;
}

const bsonTypeRanks: Readonly<Record<string, Rank>> = {
  MinKey: Rank.MinKey,
  MaxKey: Rank.MaxKey,
  Long: Rank.Number,
  Int32: Rank.Number,
  Double: Rank.Number,
  Decimal128: Rank.Number,
  BSONSymbol: Rank.String,
  ObjectId: Rank.ObjectId,
  Binary: Rank.Binary,
  Timestamp: Rank.Timestamp,
  BSONRegExp: Rank.RegExp,
  DBRef: Rank.Object,
};

function bsonTypeOf(value: object): string | undefined {
  const tag = (value as Partial<BsonTagged>)._bsontype;
  return typeof tag === 'string' ? tag : undefined;
}

function rankOf(value: unknown): Rank {
  switch (typeof value) {
    case 'number':
    case 'bigint':
      return Rank.Number;
    case 'string':
      return Rank.String;
    case 'boolean':
      return Rank.Boolean;
    case 'object':
      break;
    default:
      // undefined is stored as null; functions and symbols are not serialisable and behave like missing.
      return Rank.Null;
  }
  if (value === null) return Rank.Null;
  if (Array.isArray(value)) return Rank.Array;
  if (value instanceof Date) return Rank.Date;
  if (value instanceof RegExp) return Rank.RegExp;
  if (value instanceof BracketEdge) return value.rank as Rank;
  if (value instanceof Uint8Array) return Rank.Binary;
  const tag = bsonTypeOf(value);
  if (tag === undefined) return Rank.Object;
  if (tag === 'Code') return (value as { scope?: unknown }).scope == null ? Rank.Code : Rank.CodeWithScope;
  return bsonTypeRanks[tag] ?? Rank.Object;
}

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

function compareSameRank(rank: Rank, a: unknown, b: unknown): number {
  switch (rank) {
    case Rank.Number:
      return compareNumbers(a, b);
    case Rank.String:
      return compareStrings(stringValue(a), stringValue(b));
    case Rank.Object:
      return compareObjects(asPlainObject(a as object), asPlainObject(b as object));
    case Rank.Array:
      return compareArrays(a as readonly unknown[], b as readonly unknown[]);
    case Rank.Binary:
      return compareBinaries(a as object, b as object);
    case Rank.ObjectId:
      return compareBytes((a as { id: Uint8Array }).id, (b as { id: Uint8Array }).id);
    case Rank.Boolean:
      return a === b ? 0 : a === false ? -1 : 1;
    case Rank.Date:
      return compareDoubles((a as Date).getTime(), (b as Date).getTime());
    case Rank.Timestamp:
      return compareTimestamps(a as TimestampLike, b as TimestampLike);
    case Rank.RegExp: {
      const [pa, fa] = regexParts(a as object);
      const [pb, fb] = regexParts(b as object);
      return compareStrings(pa, pb) || compareStrings(fa, fb);
    }
    case Rank.Code:
    case Rank.CodeWithScope: {
      const ca = a as CodeLike;
      const cb = b as CodeLike;
      return compareStrings(String(ca.code), String(cb.code)) || compareBson(ca.scope ?? null, cb.scope ?? null);
    }
    default:
      // MinKey, null, MaxKey: one value per bracket.
      return 0;
  }
}

function compareDoubles(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  const aNaN = Number.isNaN(a);
  const bNaN = Number.isNaN(b);
  return aNaN ? (bNaN ? 0 : -1) : 1;
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

function stringValue(value: unknown): string {
  return typeof value === 'string' ? value : String((value as { value: unknown }).value);
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

/** A DBRef is an ordinary `{ $ref, $id, ... }` document on the wire. */
function asPlainObject(value: object): object {
  if (bsonTypeOf(value) !== 'DBRef') return value;
  const ref = value as { collection: string; oid: unknown; db?: string; fields?: Record<string, unknown> };
  const out: Record<string, unknown> = { $ref: ref.collection, $id: ref.oid, ...ref.fields };
  if (ref.db != null && ref.db !== '') out.$db = ref.db;
  return out;
}

/** The bytes and subtype of a bson `Binary` (or a bare Uint8Array, subtype 0). */
export function binaryParts(value: object): { bytes: Uint8Array; subType: number } {
  if (value instanceof Uint8Array) return { bytes: value, subType: 0 };
  const bin = value as { buffer: Uint8Array; position: number; sub_type: number };
  return { bytes: bin.buffer.subarray(0, bin.position), subType: bin.sub_type };
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

interface TimestampLike {
  getHighBitsUnsigned(): number;
  getLowBitsUnsigned(): number;
}

function compareTimestamps(a: TimestampLike, b: TimestampLike): number {
  return (
    compareDoubles(a.getHighBitsUnsigned(), b.getHighBitsUnsigned()) ||
    compareDoubles(a.getLowBitsUnsigned(), b.getLowBitsUnsigned())
  );
}

interface CodeLike {
  code: unknown;
  scope?: unknown;
}

/** Pattern and (sorted) flags of a JS RegExp or a bson BSONRegExp. */
export function regexParts(value: object): [pattern: string, flags: string] {
  if (value instanceof RegExp) return [value.source, [...value.flags].sort().join('')];
  const re = value as { pattern: string; options: string };
  return [re.pattern, [...re.options].sort().join('')];
}

// ---------------------------------------------------------------------------------------------------
// Exact numbers: int, double, Long and Decimal128 compare (and hash) by mathematical value.

/** NaN, ±Infinity, or the finite value `m * 2^p2 * 10^p10`. */
type Exact =
  | { readonly kind: 'nan' }
  | { readonly kind: 'inf'; readonly negative: boolean }
  | { readonly kind: 'finite'; readonly m: bigint; readonly p2: number; readonly p10: number };

const NAN: Exact = { kind: 'nan' };
const scratch = new DataView(new ArrayBuffer(8));

function doubleToExact(x: number): Exact {
  if (Number.isNaN(x)) return NAN;
  if (!Number.isFinite(x)) return { kind: 'inf', negative: x < 0 };
  if (Number.isSafeInteger(x)) return { kind: 'finite', m: BigInt(x), p2: 0, p10: 0 };
  scratch.setFloat64(0, x);
  const hi = scratch.getUint32(0);
  const lo = scratch.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased !== 0) mantissa |= 1n << 52n;
  const exponent = biased === 0 ? -1074 : biased - 1075;
  return { kind: 'finite', m: hi >>> 31 ? -mantissa : mantissa, p2: exponent, p10: 0 };
}

const decimalPattern = /^(-?)(\d+)(?:\.(\d*))?(?:E([+-]?\d+))?$/i;

function decimalToExact(text: string): Exact {
  if (text === 'NaN' || text === '-NaN') return NAN;
  if (text === 'Infinity' || text === '-Infinity') return { kind: 'inf', negative: text.startsWith('-') };
  const match = decimalPattern.exec(text);
  if (match === null) return NAN;
  const [, minus, whole = '', fraction = '', exponent = '0'] = match;
  const digits = BigInt(whole + fraction);
  return { kind: 'finite', m: minus === '-' ? -digits : digits, p2: 0, p10: Number(exponent) - fraction.length };
}

function toExact(value: unknown): Exact {
  if (typeof value === 'number') return doubleToExact(value);
  if (typeof value === 'bigint') return { kind: 'finite', m: value, p2: 0, p10: 0 };
  const tag = bsonTypeOf(value as object);
  if (tag === 'Long') return { kind: 'finite', m: (value as { toBigInt(): bigint }).toBigInt(), p2: 0, p10: 0 };
  if (tag === 'Decimal128') return decimalToExact(String(value));
  // Int32 / Double wrappers (promoteValues: false).
  return doubleToExact(Number((value as { value: unknown }).value));
}

function exactOrder(e: Exact): number {
  if (e.kind === 'nan') return 0;
  if (e.kind === 'inf') return e.negative ? 1 : 3;
  return 2;
}

function compareNumbers(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return compareDoubles(a, b);
  const ea = toExact(a);
  const eb = toExact(b);
  const oa = exactOrder(ea);
  const ob = exactOrder(eb);
  if (oa !== ob) return oa < ob ? -1 : 1;
  if (ea.kind !== 'finite' || eb.kind !== 'finite') return 0;
  // Divide both by the same positive 2^p2 * 10^p10 so that both sides become integers.
  const p2 = Math.min(ea.p2, eb.p2);
  const p10 = Math.min(ea.p10, eb.p10);
  const x = ea.m * 2n ** BigInt(ea.p2 - p2) * 10n ** BigInt(ea.p10 - p10);
  const y = eb.m * 2n ** BigInt(eb.p2 - p2) * 10n ** BigInt(eb.p10 - p10);
  return x < y ? -1 : x > y ? 1 : 0;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A key for a number that depends only on its exact value. Safe integers: `n<decimal>`. */
function numberKey(value: unknown): string {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return `n${value}`;
  const e = toExact(value);
  if (e.kind === 'nan') return 'nNaN';
  if (e.kind === 'inf') return e.negative ? 'n-Inf' : 'n+Inf';
  let m = e.m;
  if (m === 0n) return 'n0';
  // value = m * 2^e2 * 5^e5; strip 2s and 5s from m so the triple is unique.
  let e2 = e.p2 + e.p10;
  let e5 = e.p10;
  while (m % 2n === 0n) {
    m /= 2n;
    e2++;
  }
  while (m % 5n === 0n) {
    m /= 5n;
    e5++;
  }
  // Any larger exponent already exceeds MAX_SAFE_INTEGER (2^53, 5^23 > 2^53).
  if (e2 >= 0 && e5 >= 0 && e2 <= 53 && e5 <= 23) {
    const integer = m * 2n ** BigInt(e2) * 5n ** BigInt(e5);
    if (integer <= MAX_SAFE && integer >= -MAX_SAFE) return `n${integer}`;
  }
  return `n${m}p${e2}q${e5}`;
}

// ---------------------------------------------------------------------------------------------------

/**
 * A string key such that `canonicalKey(a) === canonicalKey(b)` exactly when `compareBson(a, b) === 0`:
 * 1, 1.0, `Long(1)` and `Decimal128('1')` share a key; -0 and 0 do too. Meant for `Map` keys (the
 * `_id` index, key de-duplication). Strings, safe integers and ObjectIds take a fast path.
 */
export function canonicalKey(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `s${value}`;
    case 'number':
    case 'bigint':
      return numberKey(value);
    case 'boolean':
      return value ? 't' : 'f';
    default:
      break;
  }
  const rank = rankOf(value);
  switch (rank) {
    case Rank.Null:
      return 'z';
    case Rank.MinKey:
      return '-';
    case Rank.MaxKey:
      return '+';
    case Rank.Number:
      return numberKey(value);
    case Rank.String:
      return `s${stringValue(value)}`;
    case Rank.ObjectId:
      return `o${(value as { toHexString(): string }).toHexString()}`;
    case Rank.Date:
      return `d${(value as Date).getTime()}`;
    case Rank.Array:
      return `a${JSON.stringify((value as readonly unknown[]).map(canonicalKey))}`;
    case Rank.Object: {
      const obj = asPlainObject(value as object) as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of Object.keys(obj)) parts.push(key, canonicalKey(obj[key]));
      return `j${JSON.stringify(parts)}`;
    }
    case Rank.Binary: {
      const { bytes, subType } = binaryParts(value as object);
      return `b${subType}:${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64')}`;
    }
    case Rank.Timestamp: {
      const ts = value as TimestampLike;
      return `T${ts.getHighBitsUnsigned()}:${ts.getLowBitsUnsigned()}`;
    }
    case Rank.RegExp:
      return `r${JSON.stringify(regexParts(value as object))}`;
    case Rank.Code:
    case Rank.CodeWithScope: {
      const code = value as CodeLike;
      return `c${JSON.stringify([String(code.code), code.scope == null ? 'z' : canonicalKey(code.scope)])}`;
    }
    default: {
      const edge = value as BracketEdge;
      return `E${edge.rank}:${edge.side}`;
    }
  }
}
