/**
 * Starting work at a steady rate, for the timer shapes: both contenders start their timers on the same schedule.
 *
 * @module
 */

/**
 * Calls `start(i)` for i in [0, count) at `perSecond`, on a schedule fixed from the first call (a late call is made at
 * once; the schedule does not drift), without waiting for one call to finish before the next. Resolves with every
 * call's result, in order.
 */
export async function paced<T>(count: number, perSecond: number, start: (i: number) => Promise<T>): Promise<T[]> {
  const intervalMs = 1000 / perSecond;
  const t0 = performance.now();
  const calls: Promise<T>[] = [];
  for (let i = 0; i < count; i++) {
    const wait = t0 + i * intervalMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const call = start(i);
    call.catch(() => undefined); // reported by Promise.all below; not an unhandled rejection while pacing goes on
    calls.push(call);
  }
  return Promise.all(calls);
}
