import { CommandError } from '../../core/errors/command-error.js';
import type { Document } from '../bson/document.js';
import { parseSort } from '../query/sort-documents.js';
import { assertCollectionName } from '../storage/namespace.js';
import { optionalDocument, type CommandHandler } from './command-context.js';
import { projectDocuments, selectDocuments } from './query-documents.js';
import { updateDocuments } from './write-commands.js';

/**
 * `findAndModify`: the atomic read-modify-write Agenda locks jobs with. Atomic because the handler runs to
 * completion without yielding: no other connection's command can interleave between the find and the write.
 */
export const findAndModify: CommandHandler = (command, context) => {
  const name = (command.findAndModify ?? command.findandmodify);
  assertCollectionName(context.db, name);
  const query = optionalDocument(command, 'query') ?? {};
  const sort = parseSort(command.sort);
  const fields = optionalDocument(command, 'fields');
  const remove = command.remove === true;
  const update = command.update;
  if (remove && update !== undefined) throw new CommandError('FailedToParse', 'Cannot specify both an update and remove=true');
  if (!remove && update === undefined) throw new CommandError('FailedToParse', 'Either an update or remove=true must be specified');
  if (remove && command.upsert === true) throw new CommandError('FailedToParse', 'Cannot specify both upsert=true and remove=true');
  if (remove && command.new === true) throw new CommandError('FailedToParse', 'Cannot specify both new=true and remove=true; \'remove\' always returns the deleted document');
  const project = (doc: Document | undefined): Document | null =>
    doc === undefined ? null : (projectDocuments([doc], fields)[0] ?? null);

  if (remove) {
    const existing = context.catalog.collection(context.db, name);
    const [doc] = selectDocuments(existing, { filter: query, sort, limit: 1 });
    if (doc !== undefined) existing?.remove(doc);
    return { lastErrorObject: { n: doc === undefined ? 0 : 1 }, value: project(doc), ok: 1 };
  }
  const upsert = command.upsert === true;
  const store = upsert
    ? context.catalog.ensureCollection(context.db, name).store
    : context.catalog.collection(context.db, name);
  if (store === undefined) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
  const outcome = updateDocuments(store, {
    q: query,
    u: update as Document | Document[],
    multi: false,
    upsert,
    sort,
    arrayFilters: command.arrayFilters as Document[] | undefined,
  });
  const lastErrorObject: Document = { n: outcome.matched + (outcome.upsertedId === undefined ? 0 : 1), updatedExisting: outcome.matched > 0 };
  if (outcome.upsertedId !== undefined) lastErrorObject.upserted = outcome.upsertedId;
  const value = command.new === true ? outcome.after : outcome.before;
  return { lastErrorObject, value: project(value), ok: 1 };
};
