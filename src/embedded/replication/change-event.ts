import type { Document } from '../bson/document.js';
import type { OplogEntry } from './oplog-entry.js';
import { timestampOf } from './oplog-position.js';
import { encodeResumeToken, type ResumeTokenKind } from './resume-token.js';

/** What a change stream watches: one collection, one database, or the whole deployment. */
export type ChangeStreamScope =
  | { readonly kind: 'collection'; readonly db: string; readonly coll: string }
  | { readonly kind: 'database'; readonly db: string }
  | { readonly kind: 'cluster' };

/** A change event before the stream's own stages, with the ordering key of its resume token. */
export interface ScopedEvent {
  readonly kind: ResumeTokenKind;
  readonly event: Document;
}

// Change streams never report changes to these databases (mongod refuses to watch them) or to system collections.
const INTERNAL_DATABASES = new Set(['admin', 'config', 'local']);

/** True when `scope` sees changes made in `db`.`coll` (a collection change) or to `db` (a database change). */
function inScope(scope: ChangeStreamScope, db: string, coll: string | undefined): boolean {
  if (coll !== undefined && coll.startsWith('system.')) return false;
  switch (scope.kind) {
    case 'cluster':
      return !INTERNAL_DATABASES.has(db);
    case 'database':
      return db === scope.db;
    case 'collection':
      return db === scope.db && coll === scope.coll;
  }
}

/**
 * The events `entry` produces on a stream of `scope`, in order: none, one, or a drop/rename/dropDatabase followed by
 * the `invalidate` that ends a stream whose namespace went away (a collection dropped or renamed; a database
 * dropped under a database stream). Update events carry no document: the cursor looks it up (`fullDocument:
 * 'updateLookup'`; null when it is gone by now, as mongod) once the change passed the filters that need none.
 */
export function eventsOf(entry: OplogEntry, scope: ChangeStreamScope): ScopedEvent[] {
  if (!inScope(scope, entry.db, entry.coll)) return [];
  const header = (kind: ResumeTokenKind, operationType: string): Document => ({
    _id: encodeResumeToken({ position: entry.position, kind }),
    operationType,
    clusterTime: timestampOf(entry.position),
    wallTime: entry.wallTime,
  });
  const ns = entry.coll === undefined ? { db: entry.db } : { db: entry.db, coll: entry.coll };
  const invalidate: ScopedEvent = { kind: 'invalidate', event: header('invalidate', 'invalidate') };
  switch (entry.operation) {
    case 'insert':
    case 'replace':
      return [{ kind: 'event', event: { ...header('event', entry.operation), fullDocument: entry.fullDocument, ns, documentKey: entry.documentKey } }];
    case 'update': {
      // `fullDocument` (updateLookup) is added by the cursor, once the change passed the filters that need no document.
      return [{ kind: 'event', event: { ...header('event', 'update'), ns, documentKey: entry.documentKey, updateDescription: entry.updateDescription } }];
    }
    case 'delete':
      return [{ kind: 'event', event: { ...header('event', 'delete'), ns, documentKey: entry.documentKey } }];
    case 'drop': {
      const event: ScopedEvent = { kind: 'event', event: { ...header('event', 'drop'), ns } };
      return scope.kind === 'collection' ? [event, invalidate] : [event];
    }
    case 'rename': {
      const event: ScopedEvent = { kind: 'event', event: { ...header('event', 'rename'), ns, to: entry.to } };
      return scope.kind === 'collection' ? [event, invalidate] : [event];
    }
    case 'dropDatabase': {
      const event: ScopedEvent = { kind: 'event', event: { ...header('event', 'dropDatabase'), ns } };
      return scope.kind === 'database' ? [event, invalidate] : [event];
    }
  }
}
