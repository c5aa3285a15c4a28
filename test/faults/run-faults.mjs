// `npm run test:faults [-- --long] [jest args...]`: runs the fault-injection suites (test/faults) alone. `--long`
// sets DURABLY_FAULTS_LONG=1: larger workloads and more kills than the bounded sizes `npm test` runs.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const long = args.includes('--long');
const rest = args.filter((a) => a !== '--long');
// Test files named on the command line replace the default pattern (jest ORs its patterns: with 'test/faults' kept,
// naming a file would still run every suite).
const named = rest.some((a) => a.startsWith('test/faults/'));
const result = spawnSync(process.execPath, ['--experimental-vm-modules', path.join(root, 'node_modules/jest/bin/jest.js'), ...(named ? [] : ['test/faults']), ...rest], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, ...(long ? { DURABLY_FAULTS_LONG: '1' } : {}) },
});
process.exit(result.status ?? 1);
