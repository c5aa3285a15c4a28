import { describe, expect, it } from '@jest/globals';
import { Binary, MongoClientBulkWriteError, MongoServerError, type MongoClient } from 'mongodb';
import { commitInOneRequest, withoutUndefined, type OneRequestCommit } from '../../../src/adapters/mongodb/one-request-commit.js';
import type { HistoryDocument } from '../../../src/adapters/mongodb/storage-documents.js';

// A client whose bulkWrite answers as `answer` says, recording what it was sent.
function stubClient(answer: (models: unknown[]) => unknown): { client: MongoClient; sent: unknown[][] } {
  const sent: unknown[][] = [];
  const client = {
    bulkWrite: (models: unknown[]) => {
      sent.push(models);
      return Promise.resolve().then(() => answer(models));
    },
  } as unknown as MongoClient;
  return { client, sent };
}

const head = { _id: 'i|e|0', instanceId: 'i', executionId: 'e', firstEventIndex: 0, events: [], consumedMessageIds: [], undispatched: true, eventCount: 0, eventBytes: 0, createdAt: new Date(0) } as unknown as HistoryDocument;

function commit(client: MongoClient): OneRequestCommit {
  return {
    client, historyNamespace: 'db.H.history', instancesNamespace: 'db.H.instances', documents: [head],
    instanceFilter: { _id: 'i', 'lease.token': 't' }, instanceUpdate: { $inc: { version: 1 } }, writeConcern: undefined,
  };
}

function serverError(code: number): MongoServerError {
  return new MongoServerError({ ok: 0, code, errmsg: `error ${code}` });
}

function bulkError(writeErrors: Map<number, { code: number; message: string }>): MongoClientBulkWriteError {
  const error = new MongoClientBulkWriteError({ message: 'bulk write failed' });
  error.writeErrors = writeErrors;
  return error;
}

describe('commitInOneRequest', () => {
  it('sends the history inserts, then the instance update, in one ordered request', async () => {
    const { client, sent } = stubClient(() => ({ updateResults: new Map([[1, { matchedCount: 1 }]]) }));
    expect(await commitInOneRequest(commit(client))).toBe('committed');
    expect(sent[0]).toEqual([
      { namespace: 'db.H.history', name: 'insertOne', document: head },
      { namespace: 'db.H.instances', name: 'updateOne', filter: { _id: 'i', 'lease.token': 't' }, update: { $inc: { version: 1 } } },
    ]);
  });

  it('tells a missed instance update (the lease was lost) from a commit', async () => {
    const { client } = stubClient(() => ({ updateResults: new Map([[1, { matchedCount: 0 }]]) }));
    expect(await commitInOneRequest(commit(client))).toBe('missed');
  });

  it('tells a collision of the head from other write errors, which it throws', async () => {
    const collided = stubClient(() => {
      throw bulkError(new Map([[0, { code: 11000, message: 'duplicate key' }]]));
    });
    expect(await commitInOneRequest(commit(collided.client))).toBe('collided');
    const other = stubClient(() => {
      throw bulkError(new Map([[0, { code: 2, message: 'bad value' }]]));
    });
    await expect(commitInOneRequest(commit(other.client))).rejects.toBeInstanceOf(MongoClientBulkWriteError);
  });

  it('answers unsupported on a server without bulkWrite (before 8.0) or without the privilege, and throws other errors', async () => {
    for (const code of [59, 13]) {
      const { client } = stubClient(() => {
        throw serverError(code);
      });
      expect(await commitInOneRequest(commit(client))).toBe('unsupported');
    }
    const { client } = stubClient(() => {
      throw serverError(10107);
    });
    await expect(commitInOneRequest(commit(client))).rejects.toMatchObject({ code: 10107 });
  });
});

describe('withoutUndefined', () => {
  it('drops undefined fields at any depth of plain objects, and keeps everything else as it is', () => {
    const date = new Date(5);
    const binary = new Binary(Buffer.from('x'));
    const value = { a: undefined, b: 1, c: { d: undefined, e: [1, undefined, { f: undefined, g: date }] }, h: binary, i: null };
    expect(withoutUndefined(value)).toEqual({ b: 1, c: { e: [1, undefined, { g: date }] }, h: binary, i: null });
    const out = withoutUndefined(value) as { c: { e: [number, undefined, { g: Date }] }; h: Binary };
    expect(out.c.e[2].g).toBe(date);
    expect(out.h).toBe(binary);
    expect(Object.keys(out)).toEqual(['b', 'c', 'h', 'i']);
  });
});
