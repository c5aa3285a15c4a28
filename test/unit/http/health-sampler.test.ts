// The admin router's ring of health samples, the composition of the two count sources, and the window of GET /health.
import { describe, expect, it } from '@jest/globals';
import { CombinedHealthStats } from '../../../src/app/combined-health-stats.js';
import { HttpApiError } from '../../../src/core/errors/http-api-error.js';
import { HealthQuery, toHealthWindow } from '../../../src/http/dto/health-query.js';
import { HEALTH_SAMPLE_INTERVAL_MS, HEALTH_SAMPLE_RETENTION_MS, HealthSampler, MAX_HEALTH_SAMPLES } from '../../../src/http/health-sampler.js';
import { HEALTH_COUNT_LIMIT, type FinishedBucket, type HealthSnapshot, type HealthStats } from '../../../src/ports/health-stats.js';

/** Figures whose snapshots count the calls (stuck = call number), optionally held until released. */
class FakeStats implements HealthStats {
  calls = 0;
  failNext = false;
  release: (() => void) | undefined;
  hold = false;

  async snapshot(now: Date): Promise<HealthSnapshot> {
    const call = ++this.calls;
    if (this.hold) await new Promise<void>((resolve) => { this.release = resolve; });
    if (this.failNext) {
      this.failNext = false;
      throw new Error('database down');
    }
    return { at: now, backlog: { instances: 1, activities: 2, timers: 3 }, running: 4, stuck: call, atLeast: [] };
  }

  finishedPerBucket(): Promise<FinishedBucket[]> {
    return Promise.resolve([]);
  }
}

const T0 = Date.parse('2030-01-01T00:00:00Z');
const at = (ms: number): Date => new Date(T0 + ms);

describe('HealthSampler', () => {
  it('takes at most one sample per interval, and hands the latest one out in between', async () => {
    const stats = new FakeStats();
    const sampler = new HealthSampler(stats, at(0));
    expect((await sampler.current(at(0))).stuck).toBe(1);
    expect((await sampler.current(at(HEALTH_SAMPLE_INTERVAL_MS - 1))).stuck).toBe(1);
    expect((await sampler.current(at(HEALTH_SAMPLE_INTERVAL_MS))).stuck).toBe(2);
    expect(stats.calls).toBe(2);
    expect(sampler.samplesSince(at(0)).map((s) => s.at)).toEqual([at(0), at(HEALTH_SAMPLE_INTERVAL_MS)]);
    expect(sampler.samplesSince(at(1)).map((s) => s.at)).toEqual([at(HEALTH_SAMPLE_INTERVAL_MS)]);
    expect(sampler.since).toEqual(at(0));
  });

  it('shares one snapshot between concurrent readers, and keeps no failed one', async () => {
    const stats = new FakeStats();
    const sampler = new HealthSampler(stats, at(0));
    stats.hold = true;
    const first = sampler.current(at(0));
    const second = sampler.current(at(10));
    stats.release?.();
    expect(await first).toBe(await second);
    expect(stats.calls).toBe(1);

    stats.hold = false;
    stats.failNext = true;
    await expect(sampler.current(at(HEALTH_SAMPLE_INTERVAL_MS))).rejects.toThrow('database down');
    expect((await sampler.current(at(HEALTH_SAMPLE_INTERVAL_MS))).stuck).toBe(3);
    expect(sampler.samplesSince(at(0))).toHaveLength(2);
  });

  it('keeps at most an hour of samples, however long it runs', async () => {
    const sampler = new HealthSampler(new FakeStats(), at(0));
    const steps = MAX_HEALTH_SAMPLES + 100;
    for (let i = 0; i < steps; i++) await sampler.current(at(i * HEALTH_SAMPLE_INTERVAL_MS));
    const kept = sampler.samplesSince(at(0));
    const last = (steps - 1) * HEALTH_SAMPLE_INTERVAL_MS;
    expect(kept.length).toBeLessThanOrEqual(MAX_HEALTH_SAMPLES);
    expect(kept[0]?.at.getTime()).toBeGreaterThanOrEqual(T0 + last - HEALTH_SAMPLE_RETENTION_MS);
    expect(kept.at(-1)?.at).toEqual(at(last));
  });

  it('samples again when the clock went back, dropping the samples now in the future', async () => {
    const sampler = new HealthSampler(new FakeStats(), at(0));
    await sampler.current(at(60_000));
    await sampler.current(at(30_000));
    expect(sampler.samplesSince(at(0)).map((s) => s.at)).toEqual([at(30_000)]);
  });
});

describe('CombinedHealthStats', () => {
  it('joins the instance and job counts, listing those that reached the limit as lower bounds', async () => {
    const buckets: FinishedBucket[] = [{ start: at(0), completed: 1, failed: 0, terminated: 0, partial: false }];
    const combined = new CombinedHealthStats(
      { countInstances: () => Promise.resolve({ backlog: HEALTH_COUNT_LIMIT, running: 7, stuck: 2 }), finishedPerBucket: () => Promise.resolve(buckets) },
      { countDueJobs: () => Promise.resolve({ activities: 3, timers: HEALTH_COUNT_LIMIT }) },
    );
    expect(await combined.snapshot(at(5))).toEqual({
      at: at(5), backlog: { instances: HEALTH_COUNT_LIMIT, activities: 3, timers: HEALTH_COUNT_LIMIT }, running: 7, stuck: 2,
      atLeast: ['backlog.instances', 'backlog.timers'],
    });
    expect(await combined.finishedPerBucket(at(0), at(1000), 1000)).toBe(buckets);
  });
});

describe('toHealthWindow', () => {
  const query = (fields: Partial<HealthQuery>): HealthQuery => Object.assign(new HealthQuery(), fields);

  it('defaults to 15 minutes in 60 buckets', () => {
    expect(toHealthWindow(query({}))).toEqual({ windowMs: 900_000, bucketMs: 15_000, buckets: 60 });
    expect(toHealthWindow(query({ minutes: '1' }))).toEqual({ windowMs: 60_000, bucketMs: 1000, buckets: 60 });
    expect(toHealthWindow(query({ minutes: '60', bucketSeconds: '10' }))).toEqual({ windowMs: 3_600_000, bucketMs: 10_000, buckets: 360 });
  });

  it.each([
    ['more than 360 buckets', { minutes: '60', bucketSeconds: '9' }],
    ['a bucket longer than the window', { minutes: '1', bucketSeconds: '61' }],
  ])('answers 400 for %s', (_what, fields) => {
    let thrown: unknown;
    try {
      toHealthWindow(query(fields));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(HttpApiError);
    expect(thrown).toMatchObject({ status: 400, code: 'INVALID_QUERY_PARAMETER' });
  });
});
