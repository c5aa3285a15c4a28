import { describe, expect, it } from '@jest/globals';
import { MongoBulkWriteError, MongoNetworkError, MongoServerError, type BulkWriteResult } from 'mongodb';
import { isStorageFault } from '../../../src/adapters/mongodb/storage-fault.js';
import { DurableError } from '../../../src/core/durable-error.js';
import { systemClock } from '../../../src/ports/clock.js';
import type { InstanceState, InstanceStore, ReleaseOptions, WorkItem } from '../../../src/ports/instance-store.js';
import { ClaimedLease, InfrastructureBackoff, LEASE_LOST, type LeaseRuntime } from '../../../src/runtime/claimed-lease.js';
import { createTelemetry } from '../../../src/telemetry/telemetry.js';

const item: WorkItem = {
  instance: { instanceId: 'i1', executionId: 'e1', name: 'O', runtimeStatus: 'Running', claimAttempts: 1 } as InstanceState,
  leaseToken: 't1', workSeq: 1, workPending: true,
};

/** A store that answers renewals and releases as told, and records them. */
function fakeStore(answers: { renew?: () => Promise<boolean>; release?: () => Promise<void>; uncount?: () => Promise<void>; lost?: boolean }): { store: InstanceStore; renewals: number; releases: ReleaseOptions[]; uncounts: number } {
  const calls = { renewals: 0, releases: [] as ReleaseOptions[], uncounts: 0 };
  const store = {
    uncountClaim: async () => {
      calls.uncounts++;
      if (answers.uncount !== undefined) await answers.uncount();
    },
    renewLease: async () => {
      calls.renewals++;
      return answers.renew === undefined ? true : answers.renew();
    },
    releaseWork: async (_item: WorkItem, options: ReleaseOptions) => {
      calls.releases.push(options);
      if (answers.release !== undefined) await answers.release();
      return answers.lost !== true;
    },
  } as Partial<InstanceStore> as InstanceStore;
  return Object.assign(calls, { store });
}

function runtime(store: InstanceStore, leaseMs: number, options: { stopping?: boolean } = {}): LeaseRuntime & { logged: string[] } {
  const logged: string[] = [];
  return {
    store, tuning: { leaseMs }, clock: systemClock, isInfrastructureFault: isStorageFault, backoff: new InfrastructureBackoff(),
    stopping: () => options.stopping === true, log: (_level, message) => logged.push(message), logged, telemetry: createTelemetry(),
  };
}

const until = async (what: string, check: () => boolean): Promise<void> => {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

const released: ReleaseOptions = { moreWork: false, succeeded: true, now: new Date() };

describe('isStorageFault', () => {
  it('knows the driver\'s connection errors and the server\'s transient codes, also as a cause', () => {
    expect(isStorageFault(new MongoNetworkError('connection reset'))).toBe(true);
    expect(isStorageFault(new MongoServerError({ message: 'shutting down', code: 91 }))).toBe(true);
    expect(isStorageFault(new MongoServerError({ message: 'not primary', code: 10107 }))).toBe(true);
    expect(isStorageFault(new Error('wrapped', { cause: new MongoNetworkError('closed') }))).toBe(true);
    // How the driver reports a connection lost during a bulk write (job writes travel as one).
    expect(isStorageFault(new MongoBulkWriteError(new MongoNetworkError('connection 23 closed'), {} as BulkWriteResult))).toBe(true);
    const labelled = new MongoServerError({ message: 'try again', code: 99999 });
    labelled.addErrorLabel('RetryableWriteError');
    expect(isStorageFault(labelled)).toBe(true);
  });

  it('does not count errors of the request or of user code', () => {
    expect(isStorageFault(new MongoServerError({ message: 'duplicate key', code: 11000 }))).toBe(false);
    expect(isStorageFault(new MongoBulkWriteError({ message: 'duplicate key', code: 11000, writeErrors: [] }, {} as BulkWriteResult))).toBe(false);
    expect(isStorageFault(new MongoServerError({ message: 'document too large', code: 10334 }))).toBe(false);
    expect(isStorageFault(new TypeError('x is undefined'))).toBe(false);
    expect(isStorageFault('a string')).toBe(false);
    expect(isStorageFault(undefined)).toBe(false);
  });
});

describe('ClaimedLease', () => {
  it('classifies storage faults, a lost lease and a stopping worker as infrastructure; the rest as the instance\'s', () => {
    const { store } = fakeStore({});
    const lease = new ClaimedLease(runtime(store, 60_000), item);
    expect(lease.classify(new MongoNetworkError('gone'))).toBe('infrastructure');
    expect(lease.classify(new DurableError(LEASE_LOST, 'lost'))).toBe('infrastructure');
    expect(lease.classify(new Error('the orchestrator\'s own bug'))).toBe('instance');
    expect(lease.classify(new DurableError('INVALID_HISTORY', 'corrupt'))).toBe('instance');
    lease.stop();
    const stopping = new ClaimedLease(runtime(store, 60_000, { stopping: true }), item);
    expect(stopping.classify(new Error('anything'))).toBe('infrastructure');
    stopping.stop();
  });

  it('does not count infrastructure failures and backs them off; counts instance failures', () => {
    const { store } = fakeStore({});
    const rt = runtime(store, 60_000);
    const lease = new ClaimedLease(rt, item);
    const start = Date.now();
    const delays = [1, 2, 3, 4, 5].map(() => {
      const options = lease.failed('infrastructure');
      expect(options).toMatchObject({ succeeded: false, uncounted: true, moreWork: true });
      return options.retryAt!.getTime() - start;
    });
    // 0.5 s, 1 s, 2 s, 4 s, then 5 s at most (the clock moved a little while computing).
    expect(delays[0]).toBeGreaterThanOrEqual(500);
    for (let i = 1; i < delays.length; i++) expect(delays[i]!).toBeGreaterThanOrEqual(delays[i - 1]!);
    expect(delays[4]! - delays[3]!).toBeLessThan(2_000);
    expect(lease.failed('instance')).toMatchObject({ succeeded: false, uncounted: false, moreWork: true });
    lease.stop();
    // A success starts the backoff again.
    rt.backoff.succeeded('i1');
    expect(rt.backoff.failed('i1')).toBe(500);
  });

  it('renews the lease while the episode runs, and stops when released', async () => {
    const fake = fakeStore({});
    const lease = new ClaimedLease(runtime(fake.store, 30), item);
    await until('two renewals', () => fake.renewals >= 2);
    expect(lease.lost).toBe(false);
    await expect(lease.release(released)).resolves.toBe(true);
    const after = fake.renewals;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fake.renewals).toBe(after);
  });

  it('notices a lease taken over (a renewal that matches nothing) and stops renewing', async () => {
    const fake = fakeStore({ renew: () => Promise.resolve(false) });
    const rt = runtime(fake.store, 30);
    const lease = new ClaimedLease(rt, item);
    await until('the lease is known lost', () => lease.lost);
    expect(lease.classify(new Error('the commit that followed'))).toBe('infrastructure');
    expect(rt.logged.some((line) => line.includes('lease on \'i1\' was lost'))).toBe(true);
    const renewals = fake.renewals;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fake.renewals).toBe(renewals);
  });

  it('keeps renewing through storage faults', async () => {
    let failures = 3;
    const fake = fakeStore({ renew: () => (failures-- > 0 ? Promise.reject(new MongoNetworkError('restarting')) : Promise.resolve(true)) });
    const lease = new ClaimedLease(runtime(fake.store, 30), item);
    await until('a renewal after the faults', () => fake.renewals >= 5);
    expect(lease.lost).toBe(false);
    lease.stop();
  });

  it('retries a release through storage faults while the lease lasts', async () => {
    let failures = 2;
    const fake = fakeStore({ release: () => (failures-- > 0 ? Promise.reject(new MongoNetworkError('restarting')) : Promise.resolve()) });
    const lease = new ClaimedLease(runtime(fake.store, 60_000), item);
    await expect(lease.release(released)).resolves.toBe(true);
    expect(fake.releases).toHaveLength(3);
  });

  it('gives a release up when the lease would have expired, or at once for an error that is not a storage fault', async () => {
    const down = fakeStore({ release: () => Promise.reject(new MongoNetworkError('down')) });
    const short = new ClaimedLease(runtime(down.store, 150), item);
    await expect(short.release(released)).resolves.toBe(false);
    expect(down.releases.length).toBeGreaterThanOrEqual(1);
    // The claim was not the instance's fault: its count is owed back, and taken back once the database answers.
    await until('the count taken back', () => down.uncounts === 1);
    const wrong = fakeStore({ release: () => Promise.reject(new TypeError('bad options')) });
    const lease = new ClaimedLease(runtime(wrong.store, 60_000), item);
    await expect(lease.release(released)).resolves.toBe(false);
    expect(wrong.releases).toHaveLength(1);
    expect(wrong.uncounts).toBe(0);
  });

  it('owes the count back when the lease ran out before an uncounted or successful release (another worker claimed)', async () => {
    const fake = fakeStore({ lost: true });
    const lease = new ClaimedLease(runtime(fake.store, 60_000), item);
    await expect(lease.release({ moreWork: true, succeeded: false, uncounted: true, now: new Date() })).resolves.toBe(false);
    await until('the count taken back', () => fake.uncounts === 1);
    const counted = fakeStore({ lost: true });
    const failed = new ClaimedLease(runtime(counted.store, 60_000), item);
    await expect(failed.release({ moreWork: true, succeeded: false, now: new Date() })).resolves.toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(counted.uncounts).toBe(0);
  });

  it('keeps trying to take a count back while the database is away, and stops when the app stops', async () => {
    let failures = 2;
    const fake = fakeStore({ uncount: () => (failures-- > 0 ? Promise.reject(new MongoNetworkError('down')) : Promise.resolve()) });
    const backoff = new InfrastructureBackoff();
    backoff.oweUncount(fake.store, 'i1', () => undefined);
    backoff.oweUncount(fake.store, 'i1', () => undefined);
    await until('taken back after two failures', () => fake.uncounts === 3);
    const never = fakeStore({ uncount: () => Promise.reject(new MongoNetworkError('down')) });
    backoff.oweUncount(never.store, 'i2', () => undefined);
    await until('a first attempt', () => never.uncounts >= 1);
    backoff.stop();
    const attempts = never.uncounts;
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(never.uncounts).toBe(attempts);
  });
});
