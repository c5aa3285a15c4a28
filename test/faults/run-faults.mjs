// `npm run test:faults [-- --long] [--hog[=N]] [--runs=N] [jest args...]`: runs the fault-injection suites
// (test/faults) alone. `--long` sets DURABLY_FAULTS_LONG=1: larger workloads and more kills than the bounded sizes
// `npm test` runs. `--hog[=N]` sets DURABLY_FAULTS_HOG=N (default: the number of cores): every suite runs with N
// CPU-bound processes beside its workers and engine. `--runs=N` runs the suites N times in a row, stopping at the
// first failing run, and prints one line per run.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const long = args.includes('--long');
const hogArg = args.find((a) => a === '--hog' || a.startsWith('--hog='));
const hog = hogArg === undefined ? undefined : hogArg === '--hog' ? os.availableParallelism() : Number(hogArg.slice('--hog='.length));
const runsArg = args.find((a) => a.startsWith('--runs='));
const runs = runsArg === undefined ? 1 : Number(runsArg.slice('--runs='.length));
if (!Number.isInteger(runs) || runs < 1 || (hog !== undefined && (!Number.isInteger(hog) || hog < 1))) {
  console.error('usage: run-faults.mjs [--long] [--hog[=N]] [--runs=N] [jest args...] (N a positive integer)');
  process.exit(2);
}
const rest = args.filter((a) => a !== '--long' && a !== hogArg && a !== runsArg);
// Test files named on the command line replace the default pattern (jest ORs its patterns: with 'test/faults' kept,
// naming a file would still run every suite).
const named = rest.some((a) => a.startsWith('test/faults/'));
const env = { ...process.env, ...(long ? { DURABLY_FAULTS_LONG: '1' } : {}), ...(hog === undefined ? {} : { DURABLY_FAULTS_HOG: String(hog) }) };
for (let run = 1; run <= runs; run++) {
  const started = Date.now();
  const result = spawnSync(process.execPath, ['--experimental-vm-modules', path.join(root, 'node_modules/jest/bin/jest.js'), ...(named ? [] : ['test/faults']), ...rest], {
    cwd: root,
    stdio: 'inherit',
    env,
  });
  const status = result.status ?? 1;
  if (runs > 1) {
    const [load1] = os.loadavg();
    console.log(`[test:faults] run ${run}/${runs}: ${status === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(0)} s (hog ${hog ?? 0}, load ${load1?.toFixed(1)})`);
  }
  if (status !== 0) process.exit(status);
}
