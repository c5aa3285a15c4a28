/**
 * `npm run bench:peers [-- --quick] [-- --reps N] [-- --only chain10,fan100] [-- --json FILE]`: every shape on Durably
 * (the embedded engine with a dbPath, in the side process) and on DBOS Transact (on a private PostgreSQL this script
 * installs if missing, starts on a free port and stops at exit), interleaved repetition by repetition, with each
 * shape's ratio Durably ÷ DBOS. Not part of `npm test` or CI. See docs/performance.md.
 *
 * @module
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAverage, machineLine, packageVersion, parseOptions } from './bench-options.js';
import { killAllSides, runShapes, type Contender } from './peer-runner.js';
import { PostgresServer } from './postgres-server.js';
import { memoryTable, resultTable, type ReportColumns } from './report.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const out = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

const options = parseOptions();
let postgres: PostgresServer | undefined;

// The server must not outlive the bench, however the bench ends.
process.once('exit', () => postgres?.stopSync());
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`\n${signal}: stopping the side processes and PostgreSQL …`);
    void killAllSides().finally(() => process.exit(130));
  });
}

const databaseFor = (shape: string): string => `bench_${shape.toLowerCase()}`;

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  const startedAt = new Date();
  log(`bench:peers ${options.quick ? '(quick) ' : ''}— ${options.reps} reps per shape; load average ${loadBefore}`);
  postgres = await PostgresServer.start(log);
  const server = postgres;
  const settings = await server.settings();
  log(`PostgreSQL ${settings.server_version} on 127.0.0.1:${server.port} (data ${server.dataDir}); fsync=${settings.fsync}, synchronous_commit=${settings.synchronous_commit}`);

  const durably: Contender = {
    id: 'durably',
    label: 'Durably',
    script: path.join(here, 'durably-side.js'),
    config: (shape, params) => Promise.resolve({ shape, params, dbPath: true }),
  };
  const dbos: Contender = {
    id: 'dbos',
    label: 'DBOS',
    script: path.join(here, 'dbos-side.js'),
    config: async (shape, params) => {
      await server.recreateDatabase(databaseFor(shape));
      return {
        shape,
        params,
        databaseUrl: server.url(databaseFor(shape)),
        postgres: { adminUrl: server.url('postgres'), dataDir: server.dataDir, binDir: server.binDir },
      };
    },
    cleanup: (shape) => server.dropDatabase(databaseFor(shape)),
  };

  const outcomes = await runShapes({ shapes: options.shapes, contenders: [durably, dbos], reps: options.reps, quick: options.quick, log });
  const loadAfter = loadAverage();
  const columns: ReportColumns = { a: durably, b: dbos, judged: durably.id };

  out();
  out(`Durably ${packageVersion('.')} (embedded engine, dbPath) vs DBOS Transact ${packageVersion('@dbos-inc/dbos-sdk')} (PostgreSQL ${settings.server_version}, fsync=${settings.fsync}, synchronous_commit=${settings.synchronous_commit})`);
  out(`${startedAt.toISOString()}; ${machineLine()}`);
  out(`load average (1/5/15 min): ${loadBefore} before, ${loadAfter} after; ${options.reps} reps per shape, interleaved, order flipped each rep${options.quick ? '; QUICK MODE (smaller workloads)' : ''}`);
  out();
  for (const line of resultTable(outcomes, columns)) out(line);
  out();
  for (const line of memoryTable(outcomes, columns)) out(line);

  const file = options.json ?? path.join(tmpdir(), `durably-bench-peers-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({
    startedAt, machine: machineLine(), loadBefore, loadAfter, options, postgres: settings,
    versions: { durably: packageVersion('.'), dbos: packageVersion('@dbos-inc/dbos-sdk') },
    outcomes,
  }, null, 2));
  out(`\nraw results: ${file}`);
  if (outcomes.some((o) => o.error !== undefined)) process.exitCode = 1;
}

try {
  await main();
} catch (error) {
  log((error as Error).stack ?? String(error));
  process.exitCode = 1;
} finally {
  await killAllSides();
  postgres?.stopSync();
}
