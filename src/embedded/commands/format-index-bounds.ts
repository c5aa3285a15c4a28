/**
 * Index bounds in the text form mongod's explain prints them.
 *
 * @module
 */
import { compareBson } from '../bson/compare-bson.js';
import { BracketEdge } from '../bson/type-rank.js';
import type { FieldBounds, RangeEnd } from '../storage/index-bounds.js';

/** One field's bounds as mongod prints them, e.g. `["[100, 150)"]`, in index order for the field's direction. */
export function formatFieldBounds(bounds: FieldBounds, direction: 1 | -1): string[] {
  if ('points' in bounds) {
    const sorted = [...bounds.points].sort((a, b) => direction * compareBson(a, b));
    return sorted.map((point) => {
      const text = formatValue(point);
      return `[${text}, ${text}]`;
    });
  }
  const low = formatEnd(bounds.min, 'MinKey');
  const high = formatEnd(bounds.max, 'MaxKey');
  return direction === 1
    ? [`${low.inclusive ? '[' : '('}${low.text}, ${high.text}${high.inclusive ? ']' : ')'}`]
    : [`${high.inclusive ? '[' : '('}${high.text}, ${low.text}${low.inclusive ? ']' : ')'}`];
}

function formatEnd(end: RangeEnd | undefined, unbounded: string): { text: string; inclusive: boolean } {
  return end === undefined ? { text: unbounded, inclusive: true } : { text: formatValue(end.value), inclusive: end.inclusive };
}

const BRACKET_EDGES: Readonly<Record<string, readonly [low: string, high: string]>> = {
  number: ['-inf.0', 'inf.0'],
  string: ['""', '{}'],
  objectId: ["ObjectId('000000000000000000000000')", "ObjectId('ffffffffffffffffffffffff')"],
  boolean: ['false', 'true'],
  date: ['new Date(-9223372036854775808)', 'new Date(9223372036854775807)'],
};

function formatValue(value: unknown): string {
  if (value instanceof BracketEdge) {
    const [low, high] = BRACKET_EDGES[value.bracket] ?? ['MinKey', 'MaxKey'];
    return value.side < 0 ? low : high;
  }
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'nan.0';
    if (!Number.isFinite(value)) return value > 0 ? 'inf.0' : '-inf.0';
    return String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Date) return `new Date(${value.getTime()})`;
  const tag = (value as { _bsontype?: unknown } | null)?._bsontype;
  if (tag === 'ObjectId') return `ObjectId('${(value as { toHexString(): string }).toHexString()}')`;
  return String(value);
}
