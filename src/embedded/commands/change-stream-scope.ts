import { CommandError } from '../../core/errors/command-error.js';
import type { ChangeStreamScope } from '../replication/change-event.js';
import { assertCollectionName } from '../storage/namespace.js';

const INTERNAL_DATABASES = new Set(['admin', 'config', 'local']);

/**
 * What a `$changeStream` aggregate watches, from its `aggregate` field and database, with mongod's refusals: no
 * stream on the internal databases or on system collections, and a whole-deployment stream only on `admin`.
 */
export function changeStreamScope(aggregate: unknown, db: string, allChangesForCluster: boolean): ChangeStreamScope {
  if (allChangesForCluster) {
    if (db !== 'admin' || aggregate !== 1) {
      throw new CommandError('InvalidNamespace', "A $changeStream with 'allChangesForCluster:true' may only be opened on the 'admin' database, and with no collection name");
    }
    return { kind: 'cluster' };
  }
  if (INTERNAL_DATABASES.has(db)) {
    throw new CommandError('InvalidNamespace', `$changeStream may not be opened on the internal ${db} database`);
  }
  if (aggregate === 1) return { kind: 'database', db };
  assertCollectionName(db, aggregate);
  if (aggregate.startsWith('system.')) {
    throw new CommandError('InvalidNamespace', `$changeStream may not be opened on the internal ${db}.${aggregate} collection`);
  }
  return { kind: 'collection', db, coll: aggregate };
}
