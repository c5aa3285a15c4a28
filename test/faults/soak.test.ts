// Scenario 12: the soak. Two workers under a steady mixed load (chains, fan-outs, timers, events, sub-orchestrations,
// entity calls) started at a constant rate and verified as they complete, for 10 minutes with `--long` (40 s in
// `npm test`). Each worker reports its heap after a forced GC, its handles, its armed timers and its sockets (see the
// fixture's STATS_MS block); once warm, none of them may grow, and every orchestration completes with the right
// output and a sound history.
//
// "Once warm": some things fill up for a while, then hold, so counts in the last third of the run are compared with
// the maximum before it, and the heap's median in the last third with its median in the second third:
// - connection pools grow to the concurrency the load reaches (the driver keeps idle connections);
// - the scheduler's runners own every timer they arm (polls, timers due soon, lock renewals) and clear them: armed
//   timers stay at about a dozen per worker.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EntityId } from '../../src/core/entity-id.js';
import { FaultCluster, LONG } from './support/fault-cluster.js';
import type { FaultWorker } from './support/fault-worker-process.js';
import type { Started } from './support/mixed-workload.js';
import { MB, max, median, slope, statsEnv, statsOf, summarize, window, type WorkerStats } from './support/worker-stats.js';

const DURATION_MS = LONG ? 600_000 : 40_000;
const STATS_MS = LONG ? 5_000 : 1_000;
/** One round of load is started every ROUND_MS. */
const ROUND_MS = 1_000;
/**
 * The long soak runs the default job lock (5 minutes: Agenda's liveness timers fill for 2.5 minutes, within the first
 * third); the bounded one a shorter lock, so that they fill within seconds.
 */
const WORKER_ENV: Record<string, string> = LONG ? {} : { ACTIVITY_LOCK_MS: '6000' };
/** The warm-up left out of the heap's slope (printed, not asserted). */
const WARM_UP = 0.2;
/**
 * Bounds, from measurements (the test prints what it measured). Heap after GC: the medians of the second and last
 * thirds differed by -0.02 to +0.16 MB (slope after warm-up ≤ 0.005 MB/min over 10 minutes); a leak of 1 KB per
 * orchestration (~6 per second) would add ~1.2 MB between them in the long run; the bounded run catches leaks of
 * ~25 KB per orchestration. Counts: armed timers held within ±20 of their plateau, sockets within +1.
 */
const HEAP_GROWTH_MB = LONG ? 1 : 2;
// Armed timers follow the load (timers due soon, lock renewals of running activities): they wander by a few.
const TIMER_SLACK = LONG ? 25 : 10;
const SPENT_TIMERS_MAX = 1_000;
/**
 * Pools still grow by one now and then (measured: +1 at 40 % and at 60 % of the two long runs). The bounded run is
 * still warming its pools in its last third (CI measured 29 → 34 sockets between 50 % and 70 % of 40 s, with other
 * suites beside it): its slack is wider, yet far below what a leak of one socket per orchestration (~250) would add.
 */
const SOCKET_SLACK = LONG ? 3 : 8;

let cluster: FaultCluster;

beforeAll(async () => {
  cluster = await FaultCluster.start();
}, 60_000);

afterAll(async () => {
  await cluster?.close();
}, 60_000);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One round: 2 chains, a fan-out of 10, a timer, an event, an entity user, and every 5th round a parent of two chains. */
async function startRound(r: number): Promise<Started[]> {
  const client = cluster.durably.client;
  const p = `soak-${r}`;
  const started: Started[] = [];
  for (let i = 0; i < 2; i++) {
    const id = `${p}-chain-${i}`;
    const v = i + 1;
    await client.startNew('Chain', { instanceId: id, input: { id, v } });
    started.push({ id, keys: [], expected: (o) => expect(o).toEqual([2 * v, 4 * v, 8 * v]) });
  }
  const fan = `${p}-fan`;
  await client.startNew('FanOut', { instanceId: fan, input: { id: fan, n: 10 } });
  started.push({ id: fan, keys: [], expected: (o) => expect(o).toBe(90) });
  const timer = `${p}-timer`;
  await client.startNew('Timer', { instanceId: timer, input: { id: timer, ms: 500, v: 5 } });
  started.push({ id: timer, keys: [], expected: (o) => expect((o as { r: number }).r).toBe(10) });
  const event = `${p}-event`;
  await client.startNew('Eventful', { instanceId: event, input: { id: event } });
  await client.raiseEvent(event, 'go', r);
  started.push({ id: event, keys: [], expected: (o) => expect(o).toBe(2 * r) });
  const user = `${p}-entity`;
  await client.startNew('EntityUser', { instanceId: user, input: { key: user, n: 3 } });
  started.push({ id: user, keys: [], expected: (o) => expect(o).toBe(3), entity: { key: user, state: 3 } });
  if (r % 5 === 0) {
    const parent = `${p}-parent`;
    await client.startNew('Parent', { instanceId: parent, input: { id: parent, v: 3 } });
    started.push({ id: parent, keys: [], expected: (o) => expect(o).toEqual([6, 12, 24, 8, 16, 32]), children: [`${parent}-a`, `${parent}-b`] });
  }
  return started;
}

/** Checks started instances in order as they complete; collects what is wrong instead of throwing. */
class Checker {
  readonly queue: Started[] = [];
  readonly failures: string[] = [];
  completed = 0;
  #done = false;
  readonly #loop: Promise<void>;

  constructor() {
    this.#loop = this.#run();
  }

  /** Resolves once every queued instance is checked. */
  finish(): Promise<void> {
    this.#done = true;
    return this.#loop;
  }

  /** Stops after the instance being checked (the test failed early). */
  abandon(): void {
    this.#done = true;
    this.queue.length = 0;
  }

  async #run(): Promise<void> {
    const client = cluster.durably.client;
    for (;;) {
      const s = this.queue.shift();
      if (s === undefined) {
        if (this.#done) return;
        await sleep(100);
        continue;
      }
      try {
        const status = await client.waitForCompletion(s.id, { timeoutMs: 120_000 });
        if (status.runtimeStatus !== 'Completed') throw new Error(`${status.runtimeStatus} ${JSON.stringify(status.failureDetails)}`);
        s.expected(status.output);
        for (const id of [s.id, ...(s.children ?? [])]) {
          const problems = await cluster.historyProblems(id);
          if (problems.length > 0) throw new Error(problems.join('; '));
        }
        if (s.entity !== undefined) {
          const state = await client.readEntityState<number>(new EntityId('Counter', s.entity.key));
          if (state.entityState !== s.entity.state) throw new Error(`entity state ${state.entityState}, expected ${s.entity.state}`);
        }
        this.completed++;
      } catch (error) {
        this.failures.push(`${s.id}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

interface EngineSample {
  readonly at: number;
  readonly connections: number;
  readonly residentMb: number;
  readonly started: number;
  readonly completed: number;
}

describe('faults: soak', () => {
  it(`keeps worker memory, timers and sockets flat under steady load for ${DURATION_MS / 1000} s`, async () => {
    const workers: FaultWorker[] = [0, 1].map(() => cluster.spawn({ ...WORKER_ENV, ...statsEnv(STATS_MS) }));
    const checker = new Checker();
    const engine: EngineSample[] = [];
    let startedCount = 0;
    try {
      await Promise.all(workers.map((w) => w.ready));
      const start = Date.now();
      const end = start + DURATION_MS;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const status = await cluster.db.admin().command({ serverStatus: 1 }) as { connections: { current: number }; mem: { resident: number } };
          engine.push({ at: Date.now(), connections: status.connections.current, residentMb: status.mem.resident, started: startedCount, completed: checker.completed });
          await sleep(STATS_MS);
        }
      })();
      let behind = 0;
      for (let r = 0; Date.now() < end; r++) {
        const due = start + r * ROUND_MS;
        if (Date.now() < due) await sleep(due - Date.now());
        else if (Date.now() - due > ROUND_MS) behind++;
        const round = await startRound(r);
        startedCount += round.length;
        checker.queue.push(...round);
      }
      await checker.finish();
      sampling = false;
      await sampler;
      const drainedMs = Date.now() - end;

      // The report: per tenth of the run, each worker's heap after GC (median, MB), RSS, armed timers, spent timers
      // still referenced, sockets (max), and the engine's connections and how far completions lagged behind starts.
      const lines = [`soak ${DURATION_MS / 1000} s: ${startedCount} orchestrations started, ${checker.completed} verified, ${behind} rounds started late, drained ${drainedMs} ms after the load stopped`];
      const stats = workers.map((w) => statsOf(w).filter((s) => s.at >= start && s.at < end));
      for (let tenth = 0; tenth < 10; tenth++) {
        const cells = stats.map((samples) => {
          const sum = summarize(window(samples, start, DURATION_MS, tenth / 10, (tenth + 1) / 10));
          return `heap ${sum.heapMedianMb.toFixed(1)} rss ${sum.rssMedianMb.toFixed(0)} timers ${sum.timersMax} (ref ${sum.refTimeoutsMax}, spent ${sum.spentTimersMax}) sockets ${sum.socketsMax} (tcp ${sum.tcpMax})`;
        });
        const e = window(engine, start, DURATION_MS, tenth / 10, (tenth + 1) / 10);
        lines.push(`  ${tenth * 10}%: ${cells.join(' | ')} | engine conns ${max(e.map((s) => s.connections))} rss ${max(e.map((s) => s.residentMb))} lag ${max(e.map((s) => s.started - s.completed))}`);
      }

      const checks = stats.map((samples, i) => {
        const before = window(samples, start, DURATION_MS, 0, 2 / 3);
        const second = window(samples, start, DURATION_MS, 1 / 3, 2 / 3);
        const last = window(samples, start, DURATION_MS, 2 / 3, 1);
        const afterWarmUp = window(samples, start, DURATION_MS, WARM_UP, 1);
        const growth = (pick: (s: WorkerStats) => number, slack: number): { last: number; bound: number } =>
          ({ last: max(last.map(pick)), bound: max(before.map(pick)) + slack });
        return {
          worker: workers[i]!.pid,
          samples: samples.length,
          gc: samples.every((s) => s.gc),
          heapSecondMb: median(second.map((s) => s.heapUsed)) / MB,
          heapLastMb: median(last.map((s) => s.heapUsed)) / MB,
          heapSlopeMbPerMin: slope(afterWarmUp.map((s): [number, number] => [(s.at - start) / 60_000, s.heapUsed / MB])),
          timers: growth((s) => s.timers, TIMER_SLACK),
          spentTimers: max(samples.map((s) => s.spentTimers)),
          sockets: growth((s) => s.sockets, SOCKET_SLACK),
          tcp: growth((s) => s.resources.TCPSocketWrap ?? 0, SOCKET_SLACK),
          lastTimersByDelay: samples.at(-1)?.timersByDelay,
        };
      });
      const connections = {
        last: max(window(engine, start, DURATION_MS, 2 / 3, 1).map((s) => s.connections)),
        bound: max(window(engine, start, DURATION_MS, 0, 2 / 3).map((s) => s.connections)) + 2 * SOCKET_SLACK,
      };
      for (const c of checks) {
        lines.push(`  worker ${c.worker}: heap median ${c.heapSecondMb.toFixed(2)} → ${c.heapLastMb.toFixed(2)} MB (bound +${HEAP_GROWTH_MB}; slope after warm-up ${c.heapSlopeMbPerMin.toFixed(3)} MB/min); `
          + `timers ${c.timers.last} (bound ${c.timers.bound}), spent ${c.spentTimers} (bound ${SPENT_TIMERS_MAX}); sockets ${c.sockets.last} (bound ${c.sockets.bound}); `
          + `TCPSocketWrap ${c.tcp.last} (bound ${c.tcp.bound}); armed timers by delay at the end ${JSON.stringify(c.lastTimersByDelay)}`);
      }
      lines.push(`  engine connections ${connections.last} (bound ${connections.bound})`);
      console.log(lines.join('\n'));

      for (const c of checks) {
        // At least two samples per third of the run: a worker on a loaded machine (CPU hogs run beside the fault suites)
        // reports less often than every STATS_MS.
        expect(c.samples).toBeGreaterThanOrEqual(6);
        expect(c.gc).toBe(true);
        expect(c.heapLastMb - c.heapSecondMb).toBeLessThan(HEAP_GROWTH_MB);
        expect(c.timers.last).toBeLessThanOrEqual(c.timers.bound);
        expect(c.spentTimers).toBeLessThanOrEqual(SPENT_TIMERS_MAX);
        expect(c.sockets.last).toBeLessThanOrEqual(c.sockets.bound);
        expect(c.tcp.last).toBeLessThanOrEqual(c.tcp.bound);
      }
      expect(connections.last).toBeLessThanOrEqual(connections.bound);
      expect(checker.failures).toEqual([]);
      expect(checker.completed).toBe(startedCount);
      expect(workers.filter((w) => !w.alive()).map((w) => w.output.slice(-20).join('\n'))).toEqual([]);
    } finally {
      checker.abandon();
      await Promise.all(workers.map((w) => w.kill('SIGKILL')));
    }
  }, DURATION_MS + 300_000);
});

