/**
 * Named crash points for the fault-injection tests (`test/faults`): **used only by tests**.
 *
 * When the environment variable `DURABLY_CRASH_POINT` names a point — `name` (its first hit) or `name:N` (its N-th
 * hit) — the process kills itself with SIGKILL when it reaches that point: synchronously, nothing flushed, no
 * `finally` run, exactly as a power cut or an OOM kill would leave things. The variable is read once, at module
 * load; unset (as in production), `crashPoint` is one comparison against `undefined`.
 *
 * The points, in the order an orchestration meets them:
 * - `after-history-commit`: an episode's history chunk is committed, its actions not dispatched yet.
 * - `after-dispatch`: the actions are dispatched, the chunk not marked dispatched yet.
 * - `after-activity-run`: an activity ran, its result not delivered or recorded yet.
 * - `before-job-finish`: a session's commit recorded a local result, its activity job not finished yet.
 * - `after-timer-fired`: a timer job fired, its `TimerFired` message not recorded yet.
 * - `after-entity-commit`: an entity batch is committed, its outbox not sent yet.
 */
export type CrashPointName =
  | 'after-history-commit'
  | 'after-dispatch'
  | 'after-activity-run'
  | 'before-job-finish'
  | 'after-timer-fired'
  | 'after-entity-commit';

function parse(spec: string | undefined): { readonly name: string; readonly hit: number } | undefined {
  if (spec === undefined || spec === '') return undefined;
  const [name = '', count] = spec.split(':');
  const hit = count === undefined ? 1 : Number(count);
  return Number.isInteger(hit) && hit >= 1 ? { name, hit } : { name, hit: 1 };
}

const armed = parse(process.env.DURABLY_CRASH_POINT);
let hits = 0;

/** Kills this process with SIGKILL if `DURABLY_CRASH_POINT` arms `name` and this is the armed hit; else nothing. */
export function crashPoint(name: CrashPointName): void {
  if (armed === undefined || armed.name !== name) return;
  hits++;
  if (hits < armed.hit) return;
  // One line for the test's log (a pipe write is synchronous on Linux), then no chance to flush or clean up anything.
  process.stderr.write(`${JSON.stringify({ event: 'crash-point', name, pid: process.pid })}\n`);
  process.kill(process.pid, 'SIGKILL');
}
