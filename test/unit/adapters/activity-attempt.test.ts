// ActivityAttempt: a running start's limits (aborting its signal), its heartbeats (throttled writes that move the
// stored deadline), and its cancellation — with a fake clock and a fake job collection that counts writes.
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { ObjectId } from '@agendajs/mongo-backend';
import { ActivityAttempt, DEFAULT_HEARTBEAT_THROTTLE_MS, startedHere } from '../../../src/adapters/agenda/activity-attempt.js';
import type { OwnedJobs } from '../../../src/adapters/agenda/owned-jobs.js';
import type { ActivityJob } from '../../../src/ports/work-scheduler.js';

interface Write { readonly filter: unknown; readonly update: { $set: Record<string, unknown> } }

function fakeOwned(): { owned: OwnedJobs; writes: Write[] } {
  const writes: Write[] = [];
  const owned = {
    owner: 'me',
    writes: { update: (filter: unknown, update: Write['update']) => { writes.push({ filter, update }); return Promise.resolve(); } },
    log: () => undefined,
  } as unknown as OwnedJobs;
  return { owned, writes };
}

const job = (limits?: ActivityJob['limits']): ActivityJob => ({ instanceId: 'i', executionId: 'e', sequence: 3, name: 'Work', input: undefined, ...(limits === undefined ? {} : { limits }) });

/** Lets the chained writes reach the fake collection. */
const flush = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

beforeEach(() => {
  jest.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  jest.useRealTimers();
});

describe('ActivityAttempt', () => {
  it('aborts its signal with an ActivityTimeoutError at the start-to-close deadline, not before', async () => {
    const { owned } = fakeOwned();
    const attempt = new ActivityAttempt(job({ startToCloseTimeoutMs: 500 }), new ObjectId(), owned, Date.now(), undefined);
    jest.advanceTimersByTime(499);
    expect(attempt.signal.aborted).toBe(false);
    jest.advanceTimersByTime(1);
    expect(attempt.signal.aborted).toBe(true);
    expect((attempt.signal.reason as Error).message).toBe("Activity 'Work' timed out: its start-to-close timeout of 500 ms passed.");
    await attempt.stop();
  });

  it('re-arms the heartbeat timeout at every heartbeat, and aborts once they stop', async () => {
    const { owned } = fakeOwned();
    const attempt = new ActivityAttempt(job({ heartbeatTimeoutMs: 1_000 }), new ObjectId(), owned, Date.now(), undefined);
    const { heartbeat } = attempt.options(false);
    for (let i = 0; i < 10; i++) {
      jest.advanceTimersByTime(900);
      heartbeat?.(JSON.stringify(i));
    }
    expect(attempt.signal.aborted).toBe(false);
    jest.advanceTimersByTime(1_000);
    expect(attempt.signal.aborted).toBe(true);
    expect((attempt.signal.reason as Error).message).toMatch(/heartbeat timeout of 1000 ms passed without a heartbeat/);
    await attempt.stop();
  });

  it('writes a tight loop of heartbeats at most once per interval (80% of the timeout), the last details trailing', async () => {
    const { owned, writes } = fakeOwned();
    const attempt = new ActivityAttempt(job({ heartbeatTimeoutMs: 1_000 }), new ObjectId(), owned, Date.now(), undefined);
    const { heartbeat } = attempt.options(false);
    // 10,000 heartbeats within 2 s of fake time.
    for (let i = 0; i < 10_000; i++) {
      heartbeat?.(JSON.stringify(i));
      if (i % 50 === 0) jest.advanceTimersByTime(10);
    }
    await flush();
    // At 0 ms, then at 800 and 1600 ms (two intervals in 2 s): three writes, not 10,000.
    expect(writes).toHaveLength(3);
    jest.advanceTimersByTime(800);
    await attempt.stop();
    expect(writes).toHaveLength(4);
    expect(writes.at(-1)?.update.$set['data.lastHeartbeat']).toBe('9999');
    // Each write moves the stored deadline: its time, plus the timeout, plus the grace (up to 1 s).
    const last = writes.at(-1)?.update.$set['data.timeoutAt'] as Date;
    expect(last.getTime()).toBe(1_000_000 + 2_400 + 1_000 + 1_000);
  });

  it('throttles heartbeats without a heartbeat timeout to one write per 30 s', async () => {
    const { owned, writes } = fakeOwned();
    const attempt = new ActivityAttempt(job(), new ObjectId(), owned, Date.now(), undefined);
    const { heartbeat } = attempt.options(false);
    for (let i = 0; i < 100; i++) {
      heartbeat?.(JSON.stringify(i));
      jest.advanceTimersByTime(100);
    }
    await flush();
    expect(writes).toHaveLength(1);
    expect(writes[0]?.update.$set['data.timeoutAt']).toBeUndefined();
    jest.advanceTimersByTime(DEFAULT_HEARTBEAT_THROTTLE_MS);
    await attempt.stop();
    expect(writes).toHaveLength(2);
  });

  it('aborts its signal with a TaskCanceledError when cancelled, and hands on what an earlier start heartbeat', async () => {
    const { owned } = fakeOwned();
    const attempt = new ActivityAttempt(job(), new ObjectId(), owned, Date.now(), '"row 7"');
    expect(attempt.options(false).lastHeartbeatDetails).toBe('"row 7"');
    attempt.cancel('cancelled by the orchestration');
    expect((attempt.signal.reason as Error).name).toBe('TaskCanceledError');
    expect((attempt.signal.reason as Error).message).toBe("Activity 'Work' was cancelled by the orchestration.");
    await attempt.stop();
  });

  it('stores the earliest deadline of a start (plus its grace) in the job a worker inserts locked', () => {
    const data = startedHere(job({ startToCloseTimeoutMs: 60_000, heartbeatTimeoutMs: 2_000 }), 5_000);
    expect(data).toMatchObject({ deliveries: 1, timeoutKind: 'heartbeat', timeoutAt: new Date(5_000 + 2_000 + 1_000) });
    expect(startedHere(job(), 5_000)).not.toHaveProperty('timeoutAt');
  });
});
