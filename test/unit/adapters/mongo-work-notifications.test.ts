// The feed's life cycle against a stand-in for the driver's database and change stream: when it counts as open, what
// each change becomes, and how it recovers — resumed after its last token, restarted from now when the server lost
// that point, given up on a server without change streams. Fake timers: nothing depends on the machine's speed.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { EventEmitter } from 'node:events';
import type { Db } from 'mongodb';
import { MongoWorkNotifications } from '../../../src/adapters/mongodb/mongo-work-notifications.js';
import type { WorkNotice } from '../../../src/ports/work-notifications.js';

/** What the feed uses of a driver change stream. */
class FakeStream extends EventEmitter {
  resumeToken: unknown = undefined;
  closed = false;
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** A database whose `watch` records its options and hands out fake streams. */
function fakeDb(): { db: Db; opened: { pipeline: unknown[]; options: Record<string, unknown>; stream: FakeStream }[] } {
  const opened: { pipeline: unknown[]; options: Record<string, unknown>; stream: FakeStream }[] = [];
  const db = {
    watch: (pipeline: unknown[], options: Record<string, unknown>) => {
      const stream = new FakeStream();
      opened.push({ pipeline, options, stream });
      return stream;
    },
  } as unknown as Db;
  return { db, opened };
}

const serverError = (code: number): Error => Object.assign(new Error(`server error ${code}`), { code });
const JOBS = { collection: 'Hub.jobs', activity: 'durably.activity', timer: 'durably.timer' };

describe('MongoWorkNotifications', () => {
  let notices: WorkNotice[];
  let logs: string[];
  let fake: ReturnType<typeof fakeDb>;
  let feed: MongoWorkNotifications;

  beforeEach(() => {
    jest.useFakeTimers();
    notices = [];
    logs = [];
    fake = fakeDb();
    feed = new MongoWorkNotifications(fake.db, { taskHub: 'Hub', jobs: JOBS, log: (level, message) => logs.push(`${level}: ${message}`), reopenDelayMs: 1_000 });
  });

  afterEach(async () => {
    await feed.close();
    jest.useRealTimers();
  });

  const current = (): FakeStream => {
    const last = fake.opened[fake.opened.length - 1];
    if (last === undefined) throw new Error('no stream opened');
    return last.stream;
  };

  it('opens with the first subscriber, and is live once the first resume token arrives', async () => {
    expect(fake.opened).toHaveLength(0);
    feed.subscribe((notice) => notices.push(notice), 'work');
    expect(fake.opened).toHaveLength(1);
    expect(fake.opened[0]?.options).toMatchObject({ fullDocument: 'updateLookup' });
    const ready = feed.ready();
    expect(feed.live).toBe(false);
    current().emit('resumeTokenChanged', { _data: 't0' });
    await expect(ready).resolves.toBe(true);
    expect(feed.live).toBe(true);
    expect(notices).toEqual([{ kind: 'opened' }]);
  });

  it('turns changes into notices: work, finishes and due jobs', () => {
    feed.subscribe((notice) => notices.push(notice), 'work');
    feed.subscribe((notice) => {
      if (notice.kind === 'instanceFinished') notices.push(notice);
    }, 'finished');
    current().emit('resumeTokenChanged', { _data: 't0' });
    const at = new Date(5_000);
    current().emit('change', { ns: { coll: 'Hub.instances' }, documentKey: { _id: 'i1' }, fullDocument: { runtimeStatus: 'Running', work: { availableAt: at } } });
    current().emit('change', { ns: { coll: 'Hub.instances' }, documentKey: { _id: 'i2' }, fullDocument: { runtimeStatus: 'Completed' } });
    current().emit('change', { ns: { coll: 'Hub.jobs' }, documentKey: { _id: 'j1' }, fullDocument: { name: 'durably.timer', nextRunAt: at, lastModifiedBy: 'p1' } });
    current().emit('change', { ns: { coll: 'Hub.jobs' }, documentKey: { _id: 'j2' }, fullDocument: { name: 'durably.activity', nextRunAt: at } });
    current().emit('change', { ns: { coll: 'Hub.jobs' }, documentKey: { _id: 'j3' }, fullDocument: { name: 'durably.activity.done', nextRunAt: at } });
    expect(notices.slice(1)).toEqual([
      { kind: 'instanceWork', instanceId: 'i1', availableAt: at },
      { kind: 'instanceFinished', instanceId: 'i2' },
      { kind: 'jobDue', job: 'timer', runAt: at, storedBy: 'p1' },
      { kind: 'jobDue', job: 'activity', runAt: at },
    ]);
  });

  it('carries what its listeners want, and widens by resuming after its last token, telling its listeners nothing', async () => {
    const finishes: WorkNotice[] = [];
    feed.subscribe((notice) => notices.push(notice), 'work');
    current().emit('resumeTokenChanged', { _data: 't0' });
    const narrow = JSON.stringify(fake.opened[0]?.pipeline);
    expect(narrow).toContain('Hub.jobs');
    expect(narrow).not.toContain('Completed');
    current().resumeToken = { _data: 't5' };
    feed.subscribe((notice) => finishes.push(notice), 'finished');
    expect(fake.opened).toHaveLength(2);
    expect(fake.opened[0]?.stream.closed).toBe(true);
    expect(fake.opened[1]?.options).toMatchObject({ resumeAfter: { _data: 't5' } });
    expect(JSON.stringify(fake.opened[1]?.pipeline)).toContain('Completed');
    // Seamless: still live, no lost or opened, and the old stream's close is not taken for a failure.
    expect(feed.live).toBe(true);
    await expect(feed.ready()).resolves.toBe(true);
    jest.advanceTimersByTime(5_000);
    expect(fake.opened).toHaveLength(2);
    current().emit('resumeTokenChanged', { _data: 't6' });
    current().emit('change', { ns: { coll: 'Hub.instances' }, documentKey: { _id: 'i2' }, fullDocument: { runtimeStatus: 'Completed' } });
    current().emit('change', { ns: { coll: 'Hub.instances' }, documentKey: { _id: 'i3' }, fullDocument: { runtimeStatus: 'Pending', work: { availableAt: new Date(0) } } });
    expect(notices).toEqual([{ kind: 'opened' }, { kind: 'instanceWork', instanceId: 'i3', availableAt: new Date(0) }]);
    expect(finishes).toEqual([{ kind: 'instanceFinished', instanceId: 'i2' }]);
    // A feed for waiters alone carries no work (and leaves the jobs out).
    const waitersOnly = new MongoWorkNotifications(fake.db, { taskHub: 'Hub', jobs: JOBS, log: () => undefined });
    waitersOnly.subscribe(() => undefined, 'finished');
    const only = JSON.stringify(fake.opened[2]?.pipeline);
    expect(only).toContain('Completed');
    expect(only).not.toContain('Hub.jobs');
    expect(only).not.toContain('pending');
    await waitersOnly.close();
  });

  it('after an error the driver could not resume from: lost, then reopened after its last resume token', async () => {
    feed.subscribe((notice) => notices.push(notice), 'work');
    current().emit('resumeTokenChanged', { _data: 't0' });
    current().resumeToken = { _data: 't7' };
    current().emit('error', serverError(6)); // HostUnreachable
    expect(notices).toEqual([{ kind: 'opened' }, { kind: 'lost' }]);
    expect(feed.live).toBe(false);
    // Between a failure and the reopen a waiter is told no at once (it polls).
    await expect(feed.ready()).resolves.toBe(false);
    expect(logs.some((line) => line.startsWith('warn:'))).toBe(true);
    jest.advanceTimersByTime(1_000);
    expect(fake.opened).toHaveLength(2);
    expect(fake.opened[1]?.options).toMatchObject({ resumeAfter: { _data: 't7' } });
    current().emit('resumeTokenChanged', { _data: 't8' });
    expect(notices).toEqual([{ kind: 'opened' }, { kind: 'lost' }, { kind: 'opened' }]);
  });

  it('when the server no longer has that point (ChangeStreamHistoryLost): reopens from now, and says opened', () => {
    feed.subscribe((notice) => notices.push(notice), 'work');
    current().emit('resumeTokenChanged', { _data: 't0' });
    current().resumeToken = { _data: 't1' };
    current().emit('error', serverError(286));
    jest.advanceTimersByTime(1_000);
    expect(fake.opened[1]?.options.resumeAfter).toBeUndefined();
    current().emit('resumeTokenChanged', { _data: 'fresh' });
    expect(notices.map((notice) => notice.kind)).toEqual(['opened', 'lost', 'opened']);
  });

  it('a stream closed under it (close before its error) reopens once, on the error\'s terms', async () => {
    feed.subscribe((notice) => notices.push(notice), 'work');
    current().emit('resumeTokenChanged', { _data: 't0' });
    current().emit('close');
    current().emit('error', serverError(286));
    await jest.runOnlyPendingTimersAsync();
    expect(fake.opened).toHaveLength(2);
    expect(fake.opened[1]?.options.resumeAfter).toBeUndefined();
  });

  it('on a server without change streams (40573): not available, never retried, ready says no', async () => {
    feed.subscribe((notice) => notices.push(notice), 'work');
    const ready = feed.ready();
    current().emit('error', serverError(40573));
    await expect(ready).resolves.toBe(false);
    jest.advanceTimersByTime(60_000);
    expect(fake.opened).toHaveLength(1);
    expect(notices).toEqual([]);
    await expect(feed.ready()).resolves.toBe(false);
    expect(logs.some((line) => line.startsWith('info:'))).toBe(true);
  });

  it('a watch the driver refuses at once (a closed client) is retried later, never thrown at the subscriber', async () => {
    let refusals = 1;
    const db = {
      watch: (pipeline: unknown[], options: Record<string, unknown>) => {
        if (refusals-- > 0) throw new Error('client is closed');
        const stream = new FakeStream();
        fake.opened.push({ pipeline, options, stream });
        return stream;
      },
    } as unknown as Db;
    const refusing = new MongoWorkNotifications(db, { taskHub: 'Hub', jobs: JOBS, log: (level, message) => logs.push(`${level}: ${message}`), reopenDelayMs: 1_000 });
    expect(() => refusing.subscribe((notice) => notices.push(notice), 'work')).not.toThrow();
    await expect(refusing.ready()).resolves.toBe(false);
    jest.advanceTimersByTime(1_000);
    expect(fake.opened).toHaveLength(1);
    current().emit('resumeTokenChanged', { _data: 't0' });
    expect(notices).toEqual([{ kind: 'opened' }]);
    await refusing.close();
  });

  it('close() closes the stream and delivers nothing more', async () => {
    feed.subscribe((notice) => notices.push(notice), 'work');
    const stream = current();
    stream.emit('resumeTokenChanged', { _data: 't0' });
    await feed.close();
    expect(stream.closed).toBe(true);
    stream.emit('change', { ns: { coll: 'Hub.instances' }, documentKey: { _id: 'late' }, fullDocument: { runtimeStatus: 'Completed' } });
    expect(notices).toEqual([{ kind: 'opened' }]);
    await expect(feed.ready()).resolves.toBe(false);
  });
});
