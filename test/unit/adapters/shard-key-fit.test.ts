// The shard keys docs/scaling.md proposes against the indexes the adapters create: every collection a task hub writes
// has a documented shard key; every unique index is prefixed by its collection's shard key (the only unique indexes a
// sharded cluster can enforce), on a ranged key; and the "index for the shard key" column names the index that
// supports the key today, or says `none`. Change an index or the plan, and this fails until the other follows.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IndexDescription } from 'mongodb';
import { JOB_INDEXES } from '../../../src/adapters/agenda/agenda-connection.js';
import { CollectionSuffix } from '../../../src/adapters/mongodb/collection-suffix.js';
import { receiptIndexes } from '../../../src/adapters/mongodb/mongo-entity-store.js';
import { headId, HISTORY_INDEXES, INBOX_INDEXES, INSTANCE_INDEXES } from '../../../src/adapters/mongodb/storage-documents.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SCALING_DOC = path.join(root, 'docs/scaling.md');

type Suffix = (typeof CollectionSuffix)[keyof typeof CollectionSuffix];

/** Every index the adapters create, by collection (Agenda's own `findAndLockNextJobIndex` is not unique: left out). */
const CREATED_INDEXES: Readonly<Record<Suffix, readonly IndexDescription[]>> = {
  [CollectionSuffix.Instances]: INSTANCE_INDEXES,
  [CollectionSuffix.History]: HISTORY_INDEXES,
  [CollectionSuffix.Inbox]: INBOX_INDEXES,
  [CollectionSuffix.Jobs]: JOB_INDEXES,
  [CollectionSuffix.Receipts]: receiptIndexes(7 * 24 * 3_600_000),
};

/** One shard key field: its path and `1` (ranged) or `'hashed'`. */
type KeyField = readonly [string, 1 | 'hashed'];

interface PlannedKey {
  readonly fields: readonly KeyField[];
  /** The table's "index for the shard key" cell. */
  readonly supportCell: string;
}

/** `{ _id: 'hashed' }`, `{ 'data.key': 1 }`, `{ instanceId: 1, executionId: 1 }` → fields in order. */
function parseKey(text: string): KeyField[] {
  const body = text.trim().replace(/^\{/, '').replace(/\}$/, '');
  return body.split(',').map((part) => {
    const match = /^\s*['"]?([\w.$]+)['"]?\s*:\s*(1|'hashed'|"hashed")\s*$/.exec(part);
    if (match === null) throw new Error(`cannot read shard key field "${part}" in ${text}`);
    return [match[1] as string, match[2] === '1' ? 1 : 'hashed'] as const;
  });
}

/** The rows `| `<taskHub>.<suffix>` | `{ key }` | … | index for the shard key |` of the shard key table. */
function plannedKeys(markdown: string): Map<string, PlannedKey> {
  const planned = new Map<string, PlannedKey>();
  for (const line of markdown.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const collection = /^`<taskHub>\.(\w+)`$/.exec(cells[1] ?? '');
    const key = /^`(\{.*\})`$/.exec(cells[2] ?? '');
    if (collection === null || key === null) continue;
    if (planned.has(collection[1] as string)) throw new Error(`two shard keys for ${collection[1]}`);
    planned.set(collection[1] as string, { fields: parseKey(key[1] as string), supportCell: cells[cells.length - 2] ?? '' });
  }
  return planned;
}

const keyFields = (index: IndexDescription): [string, unknown][] => Object.entries(index.key as Record<string, unknown>);

/** Whether `index` begins with the (ranged) shard key's fields, in order. */
function prefixedBy(index: IndexDescription, fields: readonly KeyField[]): boolean {
  const key = keyFields(index);
  return fields.every(([field, kind], i) => kind === 1 && key[i]?.[0] === field && key[i]?.[1] === 1);
}

/**
 * The index that can support a ranged shard key today: `_id` for `{ _id: 1 }`, else a created index prefixed by it
 * that is neither partial nor sparse (neither can back a shard key). None for a hashed key: the adapters create no
 * hashed index (`shardCollection` creates it on an empty collection).
 */
function supportingIndex(fields: readonly KeyField[], indexes: readonly IndexDescription[]): string | undefined {
  if (fields.some(([, kind]) => kind === 'hashed')) return undefined;
  if (fields.length === 1 && fields[0]?.[0] === '_id') return '_id';
  return indexes.find((i) => prefixedBy(i, fields) && i.partialFilterExpression === undefined && i.sparse !== true)?.name;
}

const planned = plannedKeys(readFileSync(SCALING_DOC, 'utf8'));

describe('shard keys of docs/scaling.md against the indexes the adapters create', () => {
  it('plans a shard key for every collection a task hub writes, and for nothing else', () => {
    expect([...planned.keys()].sort()).toEqual(Object.values(CollectionSuffix).sort());
  });

  it.each(Object.values(CollectionSuffix))('%s: every unique index is prefixed by the ranged shard key', (suffix) => {
    const plan = planned.get(suffix);
    if (plan === undefined) throw new Error(`no shard key planned for ${suffix}`);
    for (const index of CREATED_INDEXES[suffix].filter((i) => i.unique === true)) {
      expect({ index: index.name, prefixed: prefixedBy(index, plan.fields) }).toEqual({ index: index.name, prefixed: true });
    }
  });

  it.each(Object.values(CollectionSuffix))('%s: the table names the index that supports the shard key today, or none', (suffix) => {
    const plan = planned.get(suffix);
    if (plan === undefined) throw new Error(`no shard key planned for ${suffix}`);
    const name = supportingIndex(plan.fields, CREATED_INDEXES[suffix]);
    expect(plan.supportCell).toContain(name === undefined ? 'none' : `\`${name}\``);
  });

  it('keys the history on fields its _id encodes, so that the _id index (unique per shard) still fences commits', () => {
    // Two commits of one episode carry the same _id, hence the same key fields, hence land on the same shard.
    const encoded = new Set(['_id', 'instanceId', 'executionId', 'firstEventIndex']);
    expect(headId('i', 'e', 7).startsWith('i\u0000e\u0000')).toBe(true);
    for (const [field] of planned.get(CollectionSuffix.History)?.fields ?? []) expect(encoded.has(field)).toBe(true);
  });
});
