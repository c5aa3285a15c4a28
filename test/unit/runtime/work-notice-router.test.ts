import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { Clock } from '../../../src/ports/clock.js';
import type { WorkNotice, WorkNoticeListener, WorkNotifications } from '../../../src/ports/work-notifications.js';
import { SAFETY_NET_TICK_INTERVALS, WorkNoticeRouter, type NoticeTargets } from '../../../src/runtime/work-notice-router.js';

/** A feed the test drives by hand. */
class FakeFeed implements WorkNotifications {
  live = false;
  readonly listeners = new Set<WorkNoticeListener>();
  subscribe(listener: WorkNoticeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  ready(): Promise<boolean> {
    return Promise.resolve(this.live);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  send(notice: WorkNotice): void {
    if (notice.kind === 'opened') this.live = true;
    if (notice.kind === 'lost') this.live = false;
    for (const listener of this.listeners) listener(notice);
  }
}

/** Every call the router makes, in order. */
function recordingTargets(calls: string[]): NoticeTargets {
  return {
    worker: {
      wake: () => calls.push('worker.wake'),
      poll: () => calls.push('worker.poll'),
      wakeAt: (at: Date) => calls.push(`worker.wakeAt ${at.getTime()}`),
      setDriven: (on: boolean) => calls.push(`worker.setDriven ${on}`),
      armNextWork: () => {
        calls.push('worker.armNextWork');
        return Promise.resolve();
      },
    },
    scheduler: {
      pollJobs: (kind) => calls.push(`scheduler.pollJobs ${kind}`),
      setSelfPolling: (on: boolean) => calls.push(`scheduler.setSelfPolling ${on}`),
      jobDue: (job, runAt, storedBy) => calls.push(`scheduler.jobDue ${job} ${runAt.getTime()} ${storedBy ?? '-'}`),
    },
  };
}

const NOW = 1_000_000;
const clock: Clock = { now: () => new Date(NOW) };
const POLL_MS = 100;

describe('WorkNoticeRouter', () => {
  let feed: FakeFeed;
  let calls: string[];
  let router: WorkNoticeRouter;

  beforeEach(() => {
    jest.useFakeTimers();
    feed = new FakeFeed();
    calls = [];
    router = new WorkNoticeRouter(feed, recordingTargets(calls), { pollIntervalMs: POLL_MS, clock });
  });

  afterEach(() => {
    router.stop();
    jest.useRealTimers();
  });

  it('leaves the worker and the scheduler polling on their own until the feed opens', () => {
    router.start();
    expect(calls).toEqual([]);
    jest.advanceTimersByTime(10 * POLL_MS);
    expect(calls).toEqual([]);
  });

  it('when the feed opens: stops their own polls, looks once for everything, and reads the next work time', () => {
    router.start();
    feed.send({ kind: 'opened' });
    expect(calls).toEqual([
      'worker.setDriven true', 'scheduler.setSelfPolling false',
      'worker.poll', 'scheduler.pollJobs all', 'worker.armNextWork',
    ]);
  });

  it('a feed already live when the router starts counts as opened', () => {
    feed.live = true;
    router.start();
    expect(calls).toContain('worker.setDriven true');
    expect(calls).toContain('scheduler.pollJobs all');
  });

  it('while live, one safety-net query per tick, in turn: instances, activities, timers, timed-out starts', () => {
    router.start();
    feed.send({ kind: 'opened' });
    calls.length = 0;
    jest.advanceTimersByTime(8 * SAFETY_NET_TICK_INTERVALS * POLL_MS);
    expect(calls).toEqual([
      'worker.poll', 'scheduler.pollJobs activities', 'scheduler.pollJobs timers', 'scheduler.pollJobs sweep',
      'worker.poll', 'scheduler.pollJobs activities', 'scheduler.pollJobs timers', 'scheduler.pollJobs sweep',
    ]);
  });

  it('routes notices: due instance work wakes a loop, later work sets a wake-up, due jobs go to the scheduler', () => {
    router.start();
    feed.send({ kind: 'opened' });
    calls.length = 0;
    feed.send({ kind: 'instanceWork', instanceId: 'a', availableAt: new Date(NOW - 5) });
    feed.send({ kind: 'instanceWork', instanceId: 'b', availableAt: new Date(NOW + 500) });
    feed.send({ kind: 'jobDue', job: 'timer', runAt: new Date(NOW + 10), storedBy: 'p1' });
    feed.send({ kind: 'jobDue', job: 'activity', runAt: new Date(NOW) });
    feed.send({ kind: 'instanceFinished', instanceId: 'a' });
    expect(calls).toEqual([
      'worker.wake', `worker.wakeAt ${NOW + 500}`, `scheduler.jobDue timer ${NOW + 10} p1`, `scheduler.jobDue activity ${NOW} -`,
    ]);
  });

  it('when the feed is lost: everything polls on its own again, and the safety-net ticks stop', () => {
    router.start();
    feed.send({ kind: 'opened' });
    feed.send({ kind: 'lost' });
    calls.length = 0;
    jest.advanceTimersByTime(8 * SAFETY_NET_TICK_INTERVALS * POLL_MS);
    expect(calls).toEqual([]);
    feed.send({ kind: 'opened' });
    expect(calls.slice(0, 3)).toEqual(['worker.setDriven true', 'scheduler.setSelfPolling false', 'worker.poll']);
  });

  it('stop() unsubscribes and hands polling back', () => {
    router.start();
    feed.send({ kind: 'opened' });
    calls.length = 0;
    router.stop();
    expect(calls).toEqual(['worker.setDriven false', 'scheduler.setSelfPolling true']);
    expect(feed.listeners.size).toBe(0);
    jest.advanceTimersByTime(8 * SAFETY_NET_TICK_INTERVALS * POLL_MS);
    expect(calls).toHaveLength(2);
  });
});
