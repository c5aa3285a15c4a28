import { asPlainObject, binaryParts, regexParts, stringValue, type CodeLike, type TimestampLike } from './bson-value-parts.js';
import { numberKey } from './exact-number.js';
import { rankOf, TypeRank, type BracketEdge } from './type-rank.js';

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
    case TypeRank.Null:
      return 'z';
    case TypeRank.MinKey:
      return '-';
    case TypeRank.MaxKey:
      return '+';
    case TypeRank.Number:
      return numberKey(value);
    case TypeRank.String:
      return `s${stringValue(value)}`;
    case TypeRank.ObjectId:
      return `o${(value as { toHexString(): string }).toHexString()}`;
    case TypeRank.Date:
      return `d${(value as Date).getTime()}`;
    case TypeRank.Array:
      return `a${JSON.stringify((value as readonly unknown[]).map(canonicalKey))}`;
    case TypeRank.Object: {
      const obj = asPlainObject(value as object) as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of Object.keys(obj)) parts.push(key, canonicalKey(obj[key]));
      return `j${JSON.stringify(parts)}`;
    }
    case TypeRank.Binary: {
      const { bytes, subType } = binaryParts(value as object);
      return `b${subType}:${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64')}`;
    }
    case TypeRank.Timestamp: {
      const ts = value as TimestampLike;
      return `T${ts.getHighBitsUnsigned()}:${ts.getLowBitsUnsigned()}`;
    }
    case TypeRank.RegExp:
      return `r${JSON.stringify(regexParts(value as object))}`;
    case TypeRank.Code:
    case TypeRank.CodeWithScope: {
      const code = value as CodeLike;
      return `c${JSON.stringify([String(code.code), code.scope == null ? 'z' : canonicalKey(code.scope)])}`;
    }
    default: {
      const edge = value as BracketEdge;
      return `E${edge.rank}:${edge.side}`;
    }
  }
}
