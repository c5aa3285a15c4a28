// The embedded engine accepts the concerns Durably's client sends (w: 'majority' + j on every write, a read concern on
// every read), as a replica set and as a standalone server, and Durably runs end to end with them.
import { afterAll, describe, expect, it } from '@jest/globals';
import { MongoClient, type Document } from 'mongodb';
import { durablyClientOptions } from '../../../src/adapters/mongodb/connect-mongo.js';
import { startEmbeddedMongo, type EmbeddedMongo } from '../../../src/embedded/index.js';

const engines: EmbeddedMongo[] = [];
const clients: MongoClient[] = [];

afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.close(true)));
  for (const engine of engines) await engine.stop();
});

// Records every command the driver sends, with its concerns.
async function connect(uri: string, readConcern: 'local' | 'majority'): Promise<{ client: MongoClient; sent: Document[] }> {
  const client = new MongoClient(uri, { ...durablyClientOptions(uri), readConcern: { level: readConcern }, monitorCommands: true });
  const sent: Document[] = [];
  client.on('commandStarted', (event) => sent.push(event.command));
  clients.push(client);
  await client.connect();
  return { client, sent };
}

async function everyCommand(client: MongoClient): Promise<void> {
  const coll = client.db('concerns').collection<{ _id: number; n: number; tag?: string }>('c');
  await coll.insertOne({ _id: 1, n: 1 });
  await coll.insertMany([{ _id: 2, n: 2 }, { _id: 3, n: 3 }, { _id: 4, n: 4 }]);
  await coll.updateOne({ _id: 1 }, { $inc: { n: 10 } });
  await coll.updateMany({ n: { $gt: 1 } }, { $set: { tag: 'x' } });
  await coll.replaceOne({ _id: 2 }, { n: 20 });
  await coll.findOneAndUpdate({ _id: 3 }, { $inc: { n: 1 } }, { returnDocument: 'after' });
  await coll.findOneAndDelete({ _id: 4 });
  await coll.bulkWrite([{ insertOne: { document: { _id: 5, n: 5 } } }, { deleteOne: { filter: { _id: 5 } } }]);
  await coll.createIndex({ n: 1 });
  expect(await coll.find({}, { batchSize: 1 }).toArray()).toHaveLength(3);
  expect(await coll.aggregate([{ $match: {} }], { batchSize: 1 }).toArray()).toHaveLength(3);
  expect(await coll.countDocuments()).toBe(3);
  expect(await coll.estimatedDocumentCount()).toBe(3);
  expect((await coll.distinct('tag')).sort()).toEqual(['x']);
  await coll.deleteMany({});
  await coll.drop();
}

const WRITES = ['insert', 'update', 'delete', 'findAndModify', 'createIndexes', 'drop'];
const READS = ['find', 'aggregate', 'count', 'distinct'];

describe('embedded engine: read and write concerns', () => {
  for (const replicaSet of ['rs0', false] as const) {
    for (const level of ['local', 'majority'] as const) {
      it(`accepts w: majority + j on every write and readConcern ${level} on every read (${replicaSet === false ? 'standalone' : 'replica set'})`, async () => {
        const mongo = await startEmbeddedMongo({ log: () => undefined, replicaSet });
        engines.push(mongo);
        const { client, sent } = await connect(mongo.uri, level);
        await everyCommand(client);
        const named = (name: string): Document[] => sent.filter((command) => name in command);
        for (const name of WRITES) {
          expect(named(name).length).toBeGreaterThan(0);
          for (const command of named(name)) expect(command.writeConcern).toMatchObject({ w: 'majority', j: true });
        }
        for (const name of READS) {
          expect(named(name).length).toBeGreaterThan(0);
          for (const command of named(name)) expect(command.readConcern).toEqual({ level });
        }
        // The cursor batches of find and aggregate were fetched with getMore (batchSize 1).
        expect(named('getMore').length).toBeGreaterThan(0);
      }, 60_000);
    }
  }

  it('answers a findAndModify and a getMore that carry a read concern (as inside a transaction)', async () => {
    const mongo = await startEmbeddedMongo({ log: () => undefined });
    engines.push(mongo);
    const { client } = await connect(mongo.uri, 'majority');
    const db = client.db('concerns');
    await db.collection<{ _id: number }>('raw').insertMany([{ _id: 1 }, { _id: 2 }, { _id: 3 }]);
    const changed = await db.command({ findAndModify: 'raw', query: { _id: 1 }, update: { $set: { a: 1 } }, new: true, readConcern: { level: 'majority' }, writeConcern: { w: 'majority', j: true } });
    expect(changed.value).toEqual({ _id: 1, a: 1 });
    const first = await db.command({ find: 'raw', batchSize: 1, readConcern: { level: 'majority' } });
    const more = await db.command({ getMore: first.cursor.id, collection: 'raw', batchSize: 5 });
    expect(more.cursor.nextBatch).toHaveLength(2);
    await db.command({ insert: 'raw', documents: [{ _id: 4 }], writeConcern: { w: 'majority', j: true, wtimeout: 1000 } });
  }, 60_000);
});
