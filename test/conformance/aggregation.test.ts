// Aggregation pipelines through the real driver, as mongod 7.0 evaluates them.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MongoServerError, type Collection, type CommandStartedEvent, type Document } from 'mongodb';
import { openTestDb, rejectionOf, type Doc, type TestDb } from '../support/test-db.js';

let t: TestDb;
let sales: Collection<Doc>;
let seq = 0;
const fresh = (): Collection<Doc> => t.db.collection<Doc>(`agg_${++seq}`);

beforeAll(async () => {
  t = await openTestDb();
  sales = t.db.collection<Doc>('agg_sales');
  await sales.insertMany([
    { _id: 1, item: 'apple', qty: 5, price: 2, tags: ['fruit', 'red'], day: 1 },
    { _id: 2, item: 'banana', qty: 10, price: 1, tags: ['fruit'], day: 1 },
    { _id: 3, item: 'apple', qty: 3, price: 2.5, tags: [], day: 2 },
    { _id: 4, item: 'carrot', qty: 7, price: 0.5, day: 2 },
    { _id: 5, item: 'apple', qty: 1, price: 3, tags: null, day: 3 },
    { _id: 6, item: 'banana', qty: 2, price: 1.5, tags: ['fruit', 'yellow'], day: 3 },
  ]);
});
afterAll(async () => {
  await t?.close();
});

const run = (pipeline: Document[], c: Collection<Doc> = sales): Promise<Document[]> => c.aggregate(pipeline).toArray();

describe('$match, $sort, $skip, $limit, $count', () => {
  it('$match filters with query operators', async () => {
    const docs = await run([{ $match: { item: 'apple', qty: { $gte: 3 } } }, { $sort: { _id: 1 } }]);
    expect(docs.map((d): unknown => d._id)).toEqual([1, 3]);
  });

  it('$sort on several keys, then $skip and $limit', async () => {
    const docs = await run([{ $sort: { item: 1, qty: -1 } }, { $skip: 1 }, { $limit: 3 }]);
    expect(docs.map((d): unknown => d._id)).toEqual([3, 5, 2]);
  });

  it('$count counts the documents reaching it', async () => {
    expect(await run([{ $match: { item: 'apple' } }, { $count: 'apples' }])).toEqual([{ apples: 3 }]);
  });

  it('$count of nothing returns no document', async () => {
    expect(await run([{ $match: { item: 'kiwi' } }, { $count: 'n' }])).toEqual([]);
  });

  it('an empty pipeline returns the collection', async () => {
    expect(await run([])).toHaveLength(6);
  });

  it('aggregating a collection that does not exist returns nothing', async () => {
    expect(await run([{ $match: {} }], t.db.collection<Doc>('agg_never_created'))).toEqual([]);
  });
});

describe('$group accumulators', () => {
  it('$sum, $avg, $min, $max per group', async () => {
    const docs = await run([
      { $group: { _id: '$item', total: { $sum: '$qty' }, avgQty: { $avg: '$qty' }, minP: { $min: '$price' }, maxP: { $max: '$price' }, n: { $sum: 1 } } },
      { $sort: { _id: 1 } },
    ]);
    expect(docs).toEqual([
      { _id: 'apple', total: 9, avgQty: 3, minP: 2, maxP: 3, n: 3 },
      { _id: 'banana', total: 12, avgQty: 6, minP: 1, maxP: 1.5, n: 2 },
      { _id: 'carrot', total: 7, avgQty: 7, minP: 0.5, maxP: 0.5, n: 1 },
    ]);
  });

  it('$sum of an expression and a null _id for the whole collection', async () => {
    const docs = await run([{ $group: { _id: null, revenue: { $sum: { $multiply: ['$qty', '$price'] } } } }]);
    expect(docs).toEqual([{ _id: null, revenue: 10 + 10 + 7.5 + 3.5 + 3 + 3 }]);
  });

  it('$first and $last follow the incoming order', async () => {
    const docs = await run([
      { $sort: { day: 1, _id: 1 } },
      { $group: { _id: '$item', first: { $first: '$_id' }, last: { $last: '$_id' } } },
      { $sort: { _id: 1 } },
    ]);
    expect(docs).toEqual([
      { _id: 'apple', first: 1, last: 5 },
      { _id: 'banana', first: 2, last: 6 },
      { _id: 'carrot', first: 4, last: 4 },
    ]);
  });

  it('$push keeps order and duplicates; $addToSet keeps distinct values', async () => {
    const docs = await run([
      { $sort: { _id: 1 } },
      { $group: { _id: '$item', ids: { $push: '$_id' }, days: { $addToSet: '$day' } } },
      { $sort: { _id: 1 } },
    ]);
    expect(docs.map((d): unknown => [d._id, d.ids])).toEqual([
      ['apple', [1, 3, 5]],
      ['banana', [2, 6]],
      ['carrot', [4]],
    ]);
    expect(docs.map((d): unknown => [...(d.days as number[])].sort())).toEqual([[1, 2, 3], [1, 3], [2]]);
  });

  it('groups by a compound _id', async () => {
    const docs = await run([{ $group: { _id: { item: '$item', day: '$day' }, n: { $sum: 1 } } }, { $sort: { '_id.item': 1, '_id.day': 1 } }]);
    expect(docs.map((d): unknown => d._id)).toEqual([
      { item: 'apple', day: 1 },
      { item: 'apple', day: 2 },
      { item: 'apple', day: 3 },
      { item: 'banana', day: 1 },
      { item: 'banana', day: 3 },
      { item: 'carrot', day: 2 },
    ]);
  });

  it('$avg of no numeric values is null and $sum ignores non-numbers', async () => {
    const c = fresh();
    await c.insertMany([{ _id: 1, v: 'x' }, { _id: 2 }, { _id: 3, v: 4 }]);
    expect(await run([{ $group: { _id: null, s: { $sum: '$v' }, a: { $avg: '$missing' } } }], c)).toEqual([{ _id: null, s: 4, a: null }]);
  });
});

describe('$project, $addFields and $unwind', () => {
  it('$project includes, excludes _id, renames and computes', async () => {
    const docs = await run([
      { $match: { _id: 1 } },
      { $project: { _id: 0, item: 1, cost: { $multiply: ['$qty', '$price'] }, name: '$item', firstTag: { $arrayElemAt: ['$tags', 0] } } },
    ]);
    expect(docs).toEqual([{ item: 'apple', cost: 10, name: 'apple', firstTag: 'fruit' }]);
  });

  it('$project exclusion removes fields', async () => {
    const docs = await run([{ $match: { _id: 4 } }, { $project: { tags: 0, price: 0, day: 0 } }]);
    expect(docs).toEqual([{ _id: 4, item: 'carrot', qty: 7 }]);
  });

  it('$addFields / $set add computed fields, $unset removes them', async () => {
    const docs = await run([
      { $match: { _id: 2 } },
      { $addFields: { cost: { $multiply: ['$qty', '$price'] } } },
      { $set: { big: { $gt: ['$cost', 5] } } },
      { $unset: ['tags', 'day'] },
    ]);
    expect(docs).toEqual([{ _id: 2, item: 'banana', qty: 10, price: 1, cost: 10, big: true }]);
  });

  it('$unwind emits one document per element and drops missing, null and empty arrays', async () => {
    const docs = await run([{ $unwind: '$tags' }, { $sort: { _id: 1, tags: 1 } }, { $project: { tags: 1 } }]);
    expect(docs).toEqual([
      { _id: 1, tags: 'fruit' },
      { _id: 1, tags: 'red' },
      { _id: 2, tags: 'fruit' },
      { _id: 6, tags: 'fruit' },
      { _id: 6, tags: 'yellow' },
    ]);
  });

  it('$unwind with preserveNullAndEmptyArrays keeps them, with includeArrayIndex', async () => {
    const docs = await run([
      { $unwind: { path: '$tags', preserveNullAndEmptyArrays: true, includeArrayIndex: 'i' } },
      { $sort: { _id: 1, i: 1 } },
      { $project: { tags: 1, i: 1 } },
    ]);
    expect(docs).toEqual([
      { _id: 1, tags: 'fruit', i: 0 },
      { _id: 1, tags: 'red', i: 1 },
      { _id: 2, tags: 'fruit', i: 0 },
      { _id: 3, i: null },
      { _id: 4, i: null },
      { _id: 5, tags: null, i: null },
      { _id: 6, tags: 'fruit', i: 0 },
      { _id: 6, tags: 'yellow', i: 1 },
    ]);
  });

  it('$unwind of a scalar treats it as a one-element array', async () => {
    const c = fresh();
    await c.insertOne({ _id: 1, v: 'solo' });
    expect(await run([{ $unwind: '$v' }], c)).toEqual([{ _id: 1, v: 'solo' }]);
  });
});

describe('$lookup', () => {
  let orders: Collection<Doc>;
  let products: Collection<Doc>;
  beforeAll(async () => {
    orders = t.db.collection<Doc>('agg_orders');
    products = t.db.collection<Doc>('agg_products');
    await products.insertMany([
      { _id: 'p1', name: 'apple', cat: 'fruit' },
      { _id: 'p2', name: 'carrot', cat: 'veg' },
      { _id: 'p3', name: 'apple', cat: 'tech' },
    ]);
    await orders.insertMany([
      { _id: 1, product: 'apple', skus: ['p1', 'p2'] },
      { _id: 2, product: 'carrot', skus: [] },
      { _id: 3, product: 'kiwi' },
    ]);
  });

  it('joins on localField/foreignField, with [] for no match', async () => {
    const docs = await run(
      [
        { $lookup: { from: 'agg_products', localField: 'product', foreignField: 'name', as: 'matches' } },
        { $sort: { _id: 1 } },
        { $project: { ids: '$matches._id' } },
      ],
      orders,
    );
    expect(docs.map((d): unknown => [d._id, [...(d.ids as string[])].sort()])).toEqual([
      [1, ['p1', 'p3']],
      [2, ['p2']],
      [3, []],
    ]);
  });

  it('an array localField matches any of its elements', async () => {
    const docs = await run(
      [{ $match: { _id: 1 } }, { $lookup: { from: 'agg_products', localField: 'skus', foreignField: '_id', as: 'items' } }],
      orders,
    );
    expect((docs[0]!.items as Doc[]).map((p) => p._id).sort()).toEqual(['p1', 'p2']);
  });

  it('the pipeline form with let variables', async () => {
    const docs = await run(
      [
        { $match: { _id: 1 } },
        {
          $lookup: {
            from: 'agg_products',
            let: { wanted: '$product' },
            pipeline: [{ $match: { $expr: { $eq: ['$name', '$$wanted'] } } }, { $match: { cat: 'fruit' } }, { $project: { _id: 1 } }],
            as: 'fruit',
          },
        },
      ],
      orders,
    );
    expect(docs[0]!.fruit).toEqual([{ _id: 'p1' }]);
  });

  it('a lookup into a collection that does not exist yields []', async () => {
    const docs = await run([{ $match: { _id: 1 } }, { $lookup: { from: 'agg_nothing', localField: 'product', foreignField: 'x', as: 'none' } }], orders);
    expect(docs[0]!.none).toEqual([]);
  });
});

describe('counting and cursors', () => {
  it('countDocuments with a filter (an aggregate under the hood)', async () => {
    expect(await sales.countDocuments({ item: 'apple' })).toBe(3);
    expect(await sales.countDocuments({ tags: 'fruit' })).toBe(3);
    expect(await sales.countDocuments({ qty: { $gt: 100 } })).toBe(0);
  });

  it('an aggregate cursor with batchSize returns every result across getMores', async () => {
    const c = fresh();
    await c.insertMany(Array.from({ length: 1_050 }, (_, i) => ({ _id: i, g: i % 3 })));
    const monitored = await t.newClient({ monitorCommands: true });
    const events: CommandStartedEvent[] = [];
    monitored.on('commandStarted', (e) => events.push(e));
    const docs = await monitored
      .db(t.mongo.dbName)
      .collection<Doc>(c.collectionName)
      .aggregate([{ $match: { g: { $gte: 0 } } }, { $sort: { _id: -1 } }, { $project: { _id: 1 } }], { batchSize: 100 })
      .toArray();
    expect(docs).toHaveLength(1_050);
    expect(docs[0]).toEqual({ _id: 1_049 });
    expect(docs[1_049]).toEqual({ _id: 0 });
    expect(events.filter((e) => e.commandName === 'getMore').length).toBeGreaterThanOrEqual(10);
  });

  it('an unknown stage fails with 40324', async () => {
    const err = await rejectionOf(run([{ $noSuchStage: {} }]));
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(40324);
  });

  it('$group without _id fails with 15955', async () => {
    const err = await rejectionOf(run([{ $group: { n: { $sum: 1 } } }]));
    expect(err).toBeInstanceOf(MongoServerError);
    expect(err.code).toBe(15955);
  });
});
