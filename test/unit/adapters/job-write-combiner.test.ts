// JobWriteCombiner against a fake collection: what one turn's writes become (one bulkWrite, unordered), and how a
// bulk write's answer is shared out among the callers. The real driver and engine: agenda-scheduler-write-combining.test.ts.
import { describe, expect, it } from '@jest/globals';
import { ObjectId } from 'mongodb';
import { DUPLICATE_KEY, JobWriteCombiner, type JobCollection } from '../../../src/adapters/agenda/job-write-combiner.js';
import { JobWriteError } from '../../../src/core/errors/job-write-error.js';

type Statement = { updateOne: { filter: Record<string, unknown>; update: Record<string, unknown>; upsert?: boolean } };

/** A collection whose bulkWrite records its calls and answers with `answer(statements)`. */
function fakeJobs(answer: (statements: Statement[]) => Promise<unknown> = (s) => Promise.resolve(upserting(s))): { jobs: JobCollection; calls: Statement[][]; options: unknown[] } {
  const calls: Statement[][] = [];
  const options: unknown[] = [];
  const jobs = {
    bulkWrite(statements: Statement[], opts: unknown) {
      calls.push(statements);
      options.push(opts);
      return answer(statements);
    },
  } as unknown as JobCollection;
  return { jobs, calls, options };
}

/** The result of a bulk write in which every upsert inserted. */
function upserting(statements: Statement[]): { upsertedIds: Record<number, unknown> } {
  const upsertedIds: Record<number, unknown> = {};
  statements.forEach((s, i) => {
    if (s.updateOne.upsert === true) upsertedIds[i] = s.updateOne.filter._id;
  });
  return { upsertedIds };
}

/** Shaped as the driver's MongoBulkWriteError: write errors by statement index, and the result of the others. */
function bulkError(statements: Statement[], writeErrors: { index: number; code: number; errmsg: string }[], writeConcernError?: unknown): Error {
  const failed = new Set(writeErrors.map((e) => e.index));
  const upsertedIds = Object.fromEntries(statements.flatMap((s, i) => (!failed.has(i) && s.updateOne.upsert === true ? [[i, s.updateOne.filter._id]] : [])));
  return Object.assign(new Error(writeErrors[0]?.errmsg ?? 'write failed'), { name: 'MongoBulkWriteError', writeErrors, result: { upsertedIds, getWriteConcernError: () => writeConcernError } });
}

const newDoc = (key: string): { _id: ObjectId; name: string; data: { key: string } } => ({ _id: new ObjectId(), name: 'durably.activity', data: { key } });
const id = (n: number): ObjectId => ObjectId.createFromTime(n);
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('JobWriteCombiner', () => {
  it('sends the writes of one turn as one unordered bulk write, inserts as upserts of a fresh _id', async () => {
    const { jobs, calls, options } = fakeJobs();
    const writes = new JobWriteCombiner(jobs);
    const doc = newDoc('a');
    const [inserted] = await Promise.all([writes.insert(doc), writes.update({ _id: id(1) }, { $set: { lockedAt: null } })]);
    expect(inserted).toBe(true);
    expect(calls).toHaveLength(1);
    expect(options).toEqual([{ ordered: false }]);
    expect(calls[0]).toEqual([
      { updateOne: { filter: { _id: doc._id }, update: { $setOnInsert: { name: 'durably.activity', data: { key: 'a' } } }, upsert: true } },
      { updateOne: { filter: { _id: id(1) }, update: { $set: { lockedAt: null } } } },
    ]);
  });

  it('flushes at the end of the turn: writes of later turns go in later commands', async () => {
    const { jobs, calls } = fakeJobs();
    const writes = new JobWriteCombiner(jobs);
    const first = writes.update({ _id: id(1) }, { $set: { a: 1 } });
    expect(calls).toHaveLength(0);
    await turn();
    expect(calls).toHaveLength(1);
    const second = writes.update({ _id: id(2) }, { $set: { a: 1 } });
    await Promise.all([first, second]);
    expect(calls.map((c) => c.length)).toEqual([1, 1]);
  });

  it('a duplicate key fails only its own insert, read as "already scheduled"', async () => {
    const { jobs, calls } = fakeJobs((s) => Promise.reject(bulkError(s, [{ index: 1, code: DUPLICATE_KEY, errmsg: 'E11000 duplicate key' }])));
    const writes = new JobWriteCombiner(jobs);
    const outcomes = await Promise.allSettled([writes.insert(newDoc('a')), writes.insert(newDoc('dup')), writes.update({ _id: id(3) }, { $set: { a: 1 } })]);
    expect(calls).toHaveLength(1);
    expect(outcomes).toEqual([{ status: 'fulfilled', value: true }, { status: 'fulfilled', value: false }, { status: 'fulfilled', value: undefined }]);
  });

  it('another per-statement error fails only its caller, with the server code', async () => {
    const { jobs } = fakeJobs((s) => Promise.reject(bulkError(s, [{ index: 0, code: 14, errmsg: 'Cannot apply $inc to a value of non-numeric type' }])));
    const writes = new JobWriteCombiner(jobs);
    const [failed, inserted] = await Promise.allSettled([writes.update({ _id: id(1) }, { $inc: { n: 1 } }), writes.insert(newDoc('b'))]);
    expect(failed.status).toBe('rejected');
    const reason = (failed as PromiseRejectedResult).reason as JobWriteError;
    expect(reason).toBeInstanceOf(JobWriteError);
    expect(reason).toMatchObject({ code: 'JOB_WRITE_FAILED', serverCode: 14 });
    expect(reason.message).toMatch(/non-numeric/);
    expect(inserted).toEqual({ status: 'fulfilled', value: true });
  });

  it('an error of the command as a whole (network, write concern) fails every caller', async () => {
    const network = Object.assign(new Error('connection 3 to 127.0.0.1:27017 closed'), { name: 'MongoBulkWriteError', writeErrors: [] });
    for (const answer of [
      () => Promise.reject(network),
      (s: Statement[]) => Promise.reject(bulkError(s, [{ index: 0, code: DUPLICATE_KEY, errmsg: 'E11000' }], { code: 64, errmsg: 'waiting for replication timed out' })),
    ]) {
      const { jobs } = fakeJobs(answer);
      const writes = new JobWriteCombiner(jobs);
      const outcomes = await Promise.allSettled([writes.insert(newDoc('a')), writes.insert(newDoc('b')), writes.update({ _id: id(1) }, { $set: {} })]);
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    }
  });

  it('splits a large turn into commands of at most 1,000 statements; flushed() waits for all of them', async () => {
    const { jobs, calls } = fakeJobs();
    const writes = new JobWriteCombiner(jobs);
    const all = Promise.all(Array.from({ length: 2_500 }, (_, i) => writes.update({ _id: id(i) }, { $set: { a: 1 } })));
    await writes.flushed();
    expect(calls.map((c) => c.length)).toEqual([1_000, 1_000, 500]);
    await all;
  });
});
