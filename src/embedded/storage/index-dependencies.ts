import type { KeyPattern } from './index-keys.js';

// Operators whose operands are values or sub-filters, never field paths or expressions.
const LOGICAL_OPERATORS = new Set(['$and', '$or', '$nor']);

/**
 * The top-level fields an index reads: those of its key paths and of its partial filter; undefined when the filter
 * may read any field (`$expr` and the like).
 */
export function indexDependencies(pattern: KeyPattern, partial: Record<string, unknown> | undefined): readonly string[] | undefined {
  const fields = new Set(pattern.map(([path]) => path.split('.')[0] as string));
  const visit = (filter: Record<string, unknown>): boolean => {
    for (const [key, value] of Object.entries(filter)) {
      if (!key.startsWith('$')) {
        fields.add(key.split('.')[0] as string);
      } else if (LOGICAL_OPERATORS.has(key) && Array.isArray(value)) {
        for (const clause of value as unknown[]) {
          if (clause === null || typeof clause !== 'object' || Array.isArray(clause) || !visit(clause as Record<string, unknown>)) return false;
        }
      } else {
        return false; // $expr and the like can read anything
      }
    }
    return true;
  };
  if (partial !== undefined && !visit(partial)) return undefined;
  return [...fields];
}
