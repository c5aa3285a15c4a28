/**
 * Deep-copies plain objects, arrays and Dates; BSON value classes (ObjectId, Binary, Long, ...) are immutable in
 * practice and are shared. `structuredClone` cannot be used: it drops the BSON classes' prototypes.
 */
export function cloneDocument<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item: unknown) => cloneDocument(item)) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if ((value as { _bsontype?: unknown })._bsontype !== undefined) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = cloneDocument(item);
  return copy as T;
}
