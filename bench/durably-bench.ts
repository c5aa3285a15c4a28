/**
 * `npm run bench [-- --quick] [-- --reps N] [-- --only chain10,writes] [-- --no-micro] [-- --against DIR]`: Durably
 * alone, every shape of `npm run bench:peers` (docs/performance.md) on the embedded engine in memory and with a dbPath,
 * interleaved repetition by repetition, judged against the absolute targets; then the engine and replay
 * micro-benchmarks (and, in full mode, the entity one). Each shape runs in its own child process per mode. With
 * `--against DIR` (another checkout of Durably, built): this tree against that one, both with a dbPath, interleaved —
 * an A/B of a change. Not part of `npm test` or CI.
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAverage, machineLine, packageVersion, parseOptions } from './peers/bench-options.js';
import { killAllSides, runShapes, type Contender } from './peers/peer-runner.js';
import { memoryTable, resultTable } from './peers/report.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const options = parseOptions();
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const out = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void killAllSides().finally(() => process.exit(130)));
}

const mode = (dbPath: boolean): Contender => ({
  id: dbPath ? 'dbPath' : 'memory',
  label: dbPath ? 'dbPath' : 'memory',
  script: path.join(here, 'peers', 'durably-side.js'),
  config: (shape, params) => Promise.resolve({ shape, params, dbPath }),
});

/** Runs one of the micro-benchmarks next to this file, its output straight to ours. */
function micro(script: string, args: string[]): void {
  out(`\n## ${script}`);
  const result = spawnSync(process.execPath, [path.join(here, script), ...args], { stdio: 'inherit' });
  if (result.status !== 0) process.exitCode = 1;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadBefore = loadAverage();
  const against = options.argv.includes('--against') ? options.argv[options.argv.indexOf('--against') + 1] : undefined;
  log(`bench ${options.quick ? '(quick) ' : ''}— Durably on the embedded engine, dbPath vs ${against === undefined ? 'memory' : against}, ${options.reps} reps per shape; load average ${loadBefore}`);
  const other: Contender = against === undefined ? mode(false) : {
    id: 'against', label: `${path.basename(path.resolve(against))} (dbPath)`,
    script: path.resolve(against, 'dist', 'bench', 'peers', 'durably-side.js'),
    config: (shape, params) => Promise.resolve({ shape, params, dbPath: true }),
  };
  const dbPath = mode(true);
  const outcomes = await runShapes({ shapes: options.shapes, contenders: [dbPath, other], reps: options.reps, quick: options.quick, log });
  const loadAfter = loadAverage();
  const columns = { a: dbPath, b: other, judged: dbPath.id, ratioTargets: false };

  out();
  out(`Durably ${packageVersion('.')} on the embedded engine, in this shape's child process: dbPath against ${against === undefined ? 'memory' : other.label}`);
  out(`${startedAt.toISOString()}; ${machineLine()}`);
  out(`load average (1/5/15 min): ${loadBefore} before, ${loadAfter} after; ${options.reps} reps per shape, interleaved${options.quick ? '; QUICK MODE' : ''}`);
  out('Absolute targets are judged on dbPath; ratio targets (against DBOS) need `npm run bench:peers`.');
  out();
  for (const line of resultTable(outcomes, columns)) out(line);
  out();
  for (const line of memoryTable(outcomes, columns)) out(line);
  const file = options.json ?? path.join(tmpdir(), `durably-bench-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ startedAt, machine: machineLine(), loadBefore, loadAfter, options, outcomes }, null, 2));
  out(`\nraw results: ${file}`);
  if (outcomes.some((o) => o.error !== undefined)) process.exitCode = 1;

  if (!options.argv.includes('--no-micro')) {
    micro('engine-bench.js', options.quick ? ['--ops', '1000'] : []);
    micro('replay-bench.js', options.quick ? ['--runs', '3'] : []);
    if (!options.quick) micro('entity-bench.js', []);
  }
}

try {
  await main();
} catch (error) {
  log((error as Error).stack ?? String(error));
  process.exitCode = 1;
} finally {
  await killAllSides();
}
