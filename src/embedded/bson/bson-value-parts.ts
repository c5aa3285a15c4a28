/**
 * The parts of BSON values that comparison and canonical keys look at, read the same way from the JS values and the
 * bson classes `bson.deserialize` may produce.
 *
 * @module
 */
import { bsonTypeOf } from './type-rank.js';

/** A bson `Timestamp` (a Long of two unsigned 32-bit halves). */
export interface TimestampLike {
  getHighBitsUnsigned(): number;
  getLowBitsUnsigned(): number;
}

/** A bson `Code`, with or without scope. */
export interface CodeLike {
  code: unknown;
  scope?: unknown;
}

/** The text of a string or a bson `BSONSymbol`. */
export function stringValue(value: unknown): string {
  return typeof value === 'string' ? value : String((value as { value: unknown }).value);
}

/** A DBRef is an ordinary `{ $ref, $id, ... }` document on the wire; any other object is returned as it is. */
export function asPlainObject(value: object): object {
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

/** Pattern and (sorted) flags of a JS RegExp or a bson BSONRegExp. */
export function regexParts(value: object): [pattern: string, flags: string] {
  if (value instanceof RegExp) return [value.source, [...value.flags].sort().join('')];
  const re = value as { pattern: string; options: string };
  return [re.pattern, [...re.options].sort().join('')];
}
