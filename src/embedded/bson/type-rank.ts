/**
 * The type brackets of MongoDB's BSON order: which bracket a value belongs to ({@link rankOf}) and the sentinels
 * that bound one bracket ({@link BracketEdge}).
 *
 * @module
 */

/** Type-bracket ranks, in MongoDB's canonical order: values of a lower rank sort before those of a higher one. */
export const TypeRank = {
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
/** One of the {@link TypeRank} values. */
export type TypeRank = (typeof TypeRank)[keyof typeof TypeRank];

/** The type brackets an index bound can be clamped to (see {@link BracketEdge}). */
export type TypeBracket = 'number' | 'string' | 'objectId' | 'boolean' | 'date';

const bracketRanks: Readonly<Record<TypeBracket, TypeRank>> = {
  number: TypeRank.Number,
  string: TypeRank.String,
  objectId: TypeRank.ObjectId,
  boolean: TypeRank.Boolean,
  date: TypeRank.Date,
};

/**
 * A sentinel that `compareBson` places just below (`side = -1`) or just above (`side = 1`) every
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
    case TypeRank.Number:
      return 'number';
    case TypeRank.String:
      return 'string';
    case TypeRank.ObjectId:
      return 'objectId';
    case TypeRank.Boolean:
      return 'boolean';
    case TypeRank.Date:
      return 'date';
    default:
      return undefined;
  }
}

interface BsonTagged {
  readonly _bsontype: string;
}

const bsonTypeRanks: Readonly<Record<string, TypeRank>> = {
  MinKey: TypeRank.MinKey,
  MaxKey: TypeRank.MaxKey,
  Long: TypeRank.Number,
  Int32: TypeRank.Number,
  Double: TypeRank.Number,
  Decimal128: TypeRank.Number,
  BSONSymbol: TypeRank.String,
  ObjectId: TypeRank.ObjectId,
  Binary: TypeRank.Binary,
  Timestamp: TypeRank.Timestamp,
  BSONRegExp: TypeRank.RegExp,
  DBRef: TypeRank.Object,
};

/** The `_bsontype` tag of a bson value class instance (`'ObjectId'`, `'Long'`...); undefined for other objects. */
export function bsonTypeOf(value: object): string | undefined {
  const tag = (value as Partial<BsonTagged>)._bsontype;
  return typeof tag === 'string' ? tag : undefined;
}

/** The type bracket of any value as `bson.deserialize` produces it (or a {@link BracketEdge}). */
export function rankOf(value: unknown): TypeRank {
  switch (typeof value) {
    case 'number':
    case 'bigint':
      return TypeRank.Number;
    case 'string':
      return TypeRank.String;
    case 'boolean':
      return TypeRank.Boolean;
    case 'object':
      break;
    default:
      // undefined is stored as null; functions and symbols are not serialisable and behave like missing.
      return TypeRank.Null;
  }
  if (value === null) return TypeRank.Null;
  if (Array.isArray(value)) return TypeRank.Array;
  if (value instanceof Date) return TypeRank.Date;
  if (value instanceof RegExp) return TypeRank.RegExp;
  if (value instanceof BracketEdge) return value.rank as TypeRank;
  if (value instanceof Uint8Array) return TypeRank.Binary;
  const tag = bsonTypeOf(value);
  if (tag === undefined) return TypeRank.Object;
  if (tag === 'Code') return (value as { scope?: unknown }).scope == null ? TypeRank.Code : TypeRank.CodeWithScope;
  return bsonTypeRanks[tag] ?? TypeRank.Object;
}
