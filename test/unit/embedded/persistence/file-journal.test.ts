import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { Binary, Decimal128, EJSON, Long, ObjectId, serialize, Timestamp, UUID, type Document } from 'bson';
import { LOCK_FILE_NAME } from '../../../../src/embedded/persistence/db-path-lock.js';
import {
  FileJournal,
  JOURNAL_FILE_NAME,
  SNAPSHOT_FILE_NAME,
  type FileJournalOptions,
} from '../../../../src/embedded/persistence/file-journal.js';
import type { JournalOp } from '../../../../src/embedded/persistence/journal-op.js';
import { PersistenceError } from '../../../../src/core/errors/persistence-error.js';

const ejson = (value: unknown): string => EJSON.stringify(value, { relaxed: false });

const put = (n: number, extra: Document = {}): JournalOp => ({
  op: 'put',
  db: 'app',
  coll: 'items',
  doc: { _id: n, n, ...extra },
});

/** Offsets of each framed record of a journal/snapshot file: [start, end). */
function frames(file: string): Array<[number, number]> {
  const bytes = fs.readFileSync(file);
  const out: Array<[number, number]> = [];
  for (let offset = 0; offset + 8 <= bytes.length; ) {
    const end = offset + 8 + bytes.readUInt32LE(offset);
    out.push([offset, end]);
    offset = end;
  }
  return out;
}

function frame(document: Document): Buffer {
  const payload = serialize(document);
  const header = Buffer.alloc(8);
  header.writeUInt32LE(payload.length, 0);
  header.writeUInt32LE(crc32(payload), 4);
  return Buffer.concat([header, payload]);
}

describe('FileJournal', () => {
  let dir: string;
  let warnings: string[];
  let options: FileJournalOptions;
  const journalFile = (): string => path.join(dir, JOURNAL_FILE_NAME);
  const snapshotFile = (): string => path.join(dir, SNAPSHOT_FILE_NAME);

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'durably-journal-'));
    warnings = [];
    options = { log: (message) => warnings.push(message) };
  });

  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function writeAndClose(ops: readonly JournalOp[]): Promise<void> {
    const { journal } = await FileJournal.open(dir, options);
    await journal.waitDurable(journal.append(ops));
    await journal.close();
  }

  async function reopen(): Promise<JournalOp[]> {
    const { journal, recovered } = await FileJournal.open(dir, options);
    await journal.close();
    return recovered;
  }

  it('creates the folder and starts empty', async () => {
    const nested = path.join(dir, 'nested', 'db');
    const { journal, recovered } = await FileJournal.open(nested, options);
    expect(recovered).toEqual([]);
    expect(journal.lastLsn).toBe(0);
    expect(fs.existsSync(path.join(nested, LOCK_FILE_NAME))).toBe(true);
    await journal.close();
    expect(fs.existsSync(path.join(nested, LOCK_FILE_NAME))).toBe(false);
  });

  it('round-trips every op kind and BSON type exactly', async () => {
    const id = new ObjectId();
    const doc: Document = {
      _id: id,
      at: new Date('2024-02-29T12:34:56.789Z'),
      long: Long.fromString('9007199254740993'),
      smallLong: Long.fromNumber(5),
      bin: new Binary(Buffer.from([0, 1, 2, 255]), 0),
      uuid: new UUID(),
      dec: Decimal128.fromString('1.10'),
      ts: new Timestamp({ t: 1700000000, i: 3 }),
      nested: { a: [1, 'two', { three: [null, true, false] }], empty: {}, list: [] },
      'key.with.dots': 1,
      $dollar: { $inner: 'x' },
      numbers: [0, -0, 1.5, -2147483648, 2147483648, 2 ** 53 - 1, 1e300, Number.MAX_VALUE],
      text: 'héllo ✓ \u0000 nul',
      nothing: null,
      regex: /ab+c/i,
    };
    const ops: JournalOp[] = [
      { op: 'createCollection', db: 'app', coll: 'users', options: { capped: false, validator: { $jsonSchema: {} } } },
      { op: 'createIndex', db: 'app', coll: 'users', spec: { key: { 'a.b': 1, c: -1 }, name: 'a.b_1_c_-1', unique: true } },
      { op: 'put', db: 'app', coll: 'users', doc },
      { op: 'del', db: 'app', coll: 'users', id },
      { op: 'del', db: 'app', coll: 'users', id: 'string-id' },
      { op: 'del', db: 'app', coll: 'users', id: { compound: 1, k: [2] } },
      { op: 'del', db: 'app', coll: 'users', id: 42 },
      { op: 'dropIndex', db: 'app', coll: 'users', name: 'a.b_1_c_-1' },
      { op: 'dropCollection', db: 'app', coll: 'users' },
      { op: 'dropDatabase', db: 'app' },
    ];
    await writeAndClose(ops);
    const recovered = await reopen();
    expect(recovered.map(ejson)).toEqual(ops.map(ejson));
    const back = recovered[2];
    if (back?.op !== 'put') throw new Error('expected a put');
    expect(back.doc.long).toBeInstanceOf(Long);
    expect(back.doc.bin).toBeInstanceOf(Binary);
    expect(back.doc._id).toBeInstanceOf(ObjectId);
    expect(back.doc.at).toBeInstanceOf(Date);
    expect(Object.is((back.doc.numbers as number[])[1], -0)).toBe(true);
    expect(Object.keys(back.doc)).toEqual(Object.keys(doc));
  });

  it('numbers records with LSNs that keep increasing across restarts', async () => {
    const first = await FileJournal.open(dir, options);
    expect(first.journal.append([put(1)])).toBe(1);
    expect(first.journal.append([put(2), put(3)])).toBe(3);
    expect(first.journal.append([])).toBe(3);
    await first.journal.close();

    const second = await FileJournal.open(dir, options);
    expect(second.journal.lastLsn).toBe(3);
    expect(second.journal.durableLsn).toBe(3);
    expect(second.journal.append([put(4)])).toBe(4);
    await second.journal.close();
    expect((await reopen()).map(ejson)).toEqual([1, 2, 3, 4].map((n) => ejson(put(n))));
  });

  it('group-commits appends made while a sync is in flight', async () => {
    const { journal } = await FileJournal.open(dir, options);
    const handle = await fs.promises.open(path.join(dir, 'probe'), 'w');
    const datasync = jest.spyOn(Object.getPrototypeOf(handle) as { datasync(): Promise<void> }, 'datasync');
    await handle.close();

    let last = 0;
    for (let n = 1; n <= 1000; n++) last = journal.append([put(n)]);
    await journal.waitDurable(last);
    expect(journal.durableLsn).toBe(1000);
    expect(datasync.mock.calls.length).toBeGreaterThanOrEqual(1);
    expect(datasync.mock.calls.length).toBeLessThanOrEqual(2);

    datasync.mockClear();
    await Promise.all(
      Array.from({ length: 500 }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, i % 7));
        await journal.waitDurable(journal.append([put(1001 + i)]));
      }),
    );
    expect(journal.durableLsn).toBe(1500);
    expect(datasync.mock.calls.length).toBeLessThan(500);
    await journal.close();
    expect(await reopen()).toHaveLength(1500);
  });

  it('flushes appends nobody waits for', async () => {
    const { journal } = await FileJournal.open(dir, options);
    journal.append([put(1)]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(journal.durableLsn).toBe(1);
    await journal.close();
  });

  it('truncates a torn tail (partial record) and keeps everything before it', async () => {
    await writeAndClose([put(1), put(2)]);
    const sizeBefore = fs.statSync(journalFile()).size;
    fs.appendFileSync(journalFile(), frame({ op: 'put', db: 'app', coll: 'items', doc: { _id: 3 } }).subarray(0, 13));

    const { journal, recovered } = await FileJournal.open(dir, options);
    expect(recovered.map(ejson)).toEqual([put(1), put(2)].map(ejson));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('partial record');
    expect(fs.statSync(journalFile()).size).toBe(sizeBefore);
    // The journal stays usable after the repair.
    expect(journal.append([put(3)])).toBe(3);
    await journal.close();
    expect((await reopen()).map(ejson)).toEqual([put(1), put(2), put(3)].map(ejson));
  });

  it('truncates garbage and zero-filled tails', async () => {
    await writeAndClose([put(1)]);
    const sizeBefore = fs.statSync(journalFile()).size;
    fs.appendFileSync(journalFile(), Buffer.alloc(4096));
    expect((await reopen()).map(ejson)).toEqual([put(1)].map(ejson));
    expect(fs.statSync(journalFile()).size).toBe(sizeBefore);

    fs.appendFileSync(journalFile(), Buffer.from('not a record at all, just text'));
    expect((await reopen()).map(ejson)).toEqual([put(1)].map(ejson));
    expect(fs.statSync(journalFile()).size).toBe(sizeBefore);
    expect(warnings).toHaveLength(2);
  });

  it('stops replay at a record with a bad CRC in the middle', async () => {
    await writeAndClose([put(1), put(2), put(3)]);
    // frames: [header, put1, put2, put3]
    const [, first, second] = frames(journalFile());
    const bytes = fs.readFileSync(journalFile());
    bytes[second![1] - 2]! ^= 0xff;
    fs.writeFileSync(journalFile(), bytes);

    const { journal, recovered } = await FileJournal.open(dir, options);
    expect(recovered.map(ejson)).toEqual([put(1)].map(ejson));
    expect(warnings[0]).toContain('CRC mismatch');
    expect(fs.statSync(journalFile()).size).toBe(first![1]);
    expect(journal.lastLsn).toBe(1);
    await journal.close();
  });

  it('compacts into a snapshot and reopens to the same state', async () => {
    const { journal } = await FileJournal.open(dir, { ...options, compactionMinBytes: 1024 });
    const state = new Map<number, JournalOp>();
    let rounds = 0;
    while (!journal.needsCompaction) {
      const op = put(rounds % 10, { round: rounds });
      journal.append([op]);
      state.set(rounds % 10, op);
      rounds++;
    }
    await journal.waitDurable(journal.lastLsn);
    const lsn = journal.lastLsn;
    const image: JournalOp[] = [{ op: 'createCollection', db: 'app', coll: 'items', options: {} }, ...state.values()];
    await journal.compact(image);
    expect(journal.needsCompaction).toBe(false);
    expect(journal.lastLsn).toBe(lsn);
    expect(fs.statSync(journalFile()).size).toBeLessThan(100);
    await journal.close();

    const reopened = await FileJournal.open(dir, options);
    expect(reopened.recovered.map(ejson)).toEqual(image.map(ejson));
    expect(reopened.journal.lastLsn).toBe(lsn);
    await reopened.journal.close();
  });

  it('keeps records appended while a compaction runs', async () => {
    const { journal } = await FileJournal.open(dir, options);
    await journal.waitDurable(journal.append([put(1), put(2)]));
    const image = [put(1), put(2)];
    const compaction = journal.compact(image);
    // The state was captured synchronously: mutating the caller's documents afterwards must not leak in.
    (image[0] as { doc: Document }).doc.n = 'mutated';
    const during = journal.append([put(3)]);
    const afterwards = journal.waitDurable(journal.append([put(4)]));
    await Promise.all([compaction, journal.waitDurable(during), afterwards]);
    await journal.waitDurable(journal.append([put(5)]));
    await journal.close();
    expect((await reopen()).map(ejson)).toEqual([1, 2, 3, 4, 5].map((n) => ejson(put(n))));
  });

  it('refuses a second compaction while one runs', async () => {
    const { journal } = await FileJournal.open(dir, options);
    const first = journal.compact([]);
    await expect(journal.compact([])).rejects.toThrow('already running');
    await first;
    await journal.close();
  });

  it('recovers exactly from a crash between the snapshot rename and the journal rename', async () => {
    // The old journal holds LSNs 1..8; the snapshot written by the interrupted compaction covers 1..6.
    const ops = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => put(n));
    await writeAndClose(ops);
    const oldJournal = fs.readFileSync(journalFile());

    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'durably-journal-'));
    try {
      const { journal } = await FileJournal.open(other, options);
      await journal.waitDurable(journal.append(ops.slice(0, 6)));
      await journal.compact(ops.slice(0, 6));
      await journal.close();
      fs.copyFileSync(path.join(other, SNAPSHOT_FILE_NAME), snapshotFile());
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
    fs.writeFileSync(journalFile(), oldJournal);
    fs.writeFileSync(`${snapshotFile()}.tmp`, 'half-written next snapshot');
    fs.writeFileSync(`${journalFile()}.tmp`, 'half-written next journal');

    const { journal, recovered } = await FileJournal.open(dir, options);
    expect(recovered.map(ejson)).toEqual(ops.map(ejson));
    expect(journal.lastLsn).toBe(8);
    expect(journal.append([put(9)])).toBe(9);
    await journal.close();
    expect(fs.existsSync(`${snapshotFile()}.tmp`)).toBe(false);
    expect(fs.existsSync(`${journalFile()}.tmp`)).toBe(false);
    expect((await reopen()).map(ejson)).toEqual([...ops, put(9)].map(ejson));
  });

  it('refuses a corrupt snapshot with an error naming the file', async () => {
    const { journal } = await FileJournal.open(dir, options);
    await journal.compact([put(1), put(2)]);
    await journal.close();
    const bytes = fs.readFileSync(snapshotFile());
    bytes[bytes.length - 20]! ^= 0xff;
    fs.writeFileSync(snapshotFile(), bytes);

    const failure = FileJournal.open(dir, options);
    await expect(failure).rejects.toBeInstanceOf(PersistenceError);
    await expect(failure).rejects.toThrow(snapshotFile());
    // The lock is released on the way out.
    expect(fs.existsSync(path.join(dir, LOCK_FILE_NAME))).toBe(false);
  });

  it('refuses a snapshot cut short at a record boundary', async () => {
    const { journal } = await FileJournal.open(dir, options);
    await journal.compact([put(1), put(2)]);
    await journal.close();
    const all = frames(snapshotFile());
    fs.truncateSync(snapshotFile(), all[all.length - 2]![1]);
    await expect(FileJournal.open(dir, options)).rejects.toThrow('no end marker');
  });

  it('refuses a journal that does not continue the snapshot', async () => {
    await writeAndClose([put(1)]);
    fs.writeFileSync(journalFile(), frame({ format: 'durably-journal-v1', baseLsn: 5 }));
    await expect(FileJournal.open(dir, options)).rejects.toThrow('records are missing');
  });

  it('refuses to open a dbPath that is already open', async () => {
    const { journal } = await FileJournal.open(dir, options);
    const second = FileJournal.open(dir, options);
    await expect(second).rejects.toBeInstanceOf(PersistenceError);
    await expect(second).rejects.toMatchObject({ code: 'EMBEDDED_PERSISTENCE_ERROR' });
    await journal.close();
    await (await FileJournal.open(dir, options)).journal.close();
  });

  it('closes idempotently and rejects appends afterwards', async () => {
    const { journal } = await FileJournal.open(dir, options);
    journal.append([put(1)]);
    await Promise.all([journal.close(), journal.close()]);
    await journal.close();
    expect(() => journal.append([put(2)])).toThrow(PersistenceError);
    await expect(journal.compact([])).rejects.toThrow('closed');
    await journal.waitDurable(1);
    expect(await reopen()).toHaveLength(1);
  });

  it('rejects every waiter and fails for good when a sync fails', async () => {
    const { journal } = await FileJournal.open(dir, options);
    await journal.waitDurable(journal.append([put(1)]));
    const handle = await fs.promises.open(path.join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(handle) as { datasync(): Promise<void> };
    await handle.close();
    jest.spyOn(proto, 'datasync').mockRejectedValueOnce(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));

    const waits = [journal.waitDurable(journal.append([put(2)])), journal.waitDurable(journal.append([put(3)]))];
    for (const wait of waits) await expect(wait).rejects.toThrow('EIO');
    await expect(journal.waitDurable(3)).rejects.toBeInstanceOf(PersistenceError);
    expect(() => journal.append([put(4)])).toThrow(PersistenceError);
    expect(journal.needsCompaction).toBe(false);
    await expect(journal.close()).rejects.toThrow('EIO');
    // Files closed and lock released even so: the folder opens again (the unacknowledged records may or may not be there).
    const recovered = await reopen();
    expect(recovered.length).toBeGreaterThanOrEqual(1);
  });

  it('rejects waits for LSNs never appended and ops that cannot be serialised', async () => {
    const { journal } = await FileJournal.open(dir, options);
    await expect(journal.waitDurable(1)).rejects.toThrow('never appended');
    const circular: Document = { _id: 1 };
    circular.self = circular;
    expect(() => journal.append([put(1), { op: 'put', db: 'app', coll: 'items', doc: circular }])).toThrow(
      PersistenceError,
    );
    // All or nothing: the valid op before it was not appended either.
    expect(journal.lastLsn).toBe(0);
    await journal.close();
  });
});
