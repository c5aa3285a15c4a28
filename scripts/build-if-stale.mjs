// `npm run build` (and `npm start`'s prestart): builds dist/ only when it is stale, and then only what changed.
//
//   node scripts/build-if-stale.mjs            build if stale (incremental), else print "up to date" and exit 0
//   node scripts/build-if-stale.mjs --force    rebuild everything (ignores the stamp and tsc's build info)
//   node scripts/build-if-stale.mjs --check    only say whether dist/ is stale: exit 0 when fresh, 1 when stale
//   --root <dir>                               build another tree laid out like this one (the tests use it)
//
// How it decides, cheaply (no TypeScript loaded): dist/.build-stamp.json records the size and mtime of every input
// of the last successful build — the .ts files under src/, examples/ and bench/ (tsconfig.build.json's `include`),
// the dashboard's assets, package.json, package-lock.json, both tsconfigs and this script. dist/ is up to date when
// every input matches the stamp and every output exists (each .ts file's .js, each asset's copy). Otherwise it runs
// `tsc -p tsconfig.build.json --incremental` with its build info in dist/.tsbuildinfo, so tsc re-emits only the files
// whose content changed (and type-checks), then copies the assets. A missing stamp, a missing output, a build info
// the stamp does not vouch for (written by another run) or --force deletes the build info first: a full build, as
// `tsc -p tsconfig.build.json` alone would do. A failed build (type errors: tsc still emits) leaves the stamp marked
// failed, so the next run builds again and shows the errors again. Both files live in dist/, which .gitignore covers
// and `files` in package.json does not publish.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where tsconfig.build.json's `include` looks (kept equal by test/unit/scripts/build-if-stale.test.ts). */
export const SOURCE_DIRS = ['src', 'examples', 'bench'];
/** Copied verbatim next to the compiled dashboard code (tsc does not copy them). */
export const ASSETS_DIR = 'src/http/dashboard/assets';
const CONFIG_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
const STAMP_VERSION = 1;
const SCRIPT = fileURLToPath(import.meta.url);

/** Every file under `dir` (relative to `root`, with forward slashes), sorted; none when `dir` does not exist. */
function filesUnder(root, dir) {
  let entries;
  try {
    entries = readdirSync(path.join(root, dir), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .flatMap((entry) => (entry.isDirectory() ? filesUnder(root, `${dir}/${entry.name}`) : entry.isFile() ? [`${dir}/${entry.name}`] : []))
    .sort();
}

/** `size:mtimeMs` of a file, or `missing`. */
function signature(file) {
  try {
    const stats = statSync(file);
    return `${stats.size}:${stats.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/** The inputs of a build: relative path → signature. */
export function fingerprint(root) {
  const assets = filesUnder(root, ASSETS_DIR);
  const sources = SOURCE_DIRS.flatMap((dir) => filesUnder(root, dir)).filter((file) => file.endsWith('.ts'));
  const inputs = {};
  for (const file of [...sources, ...assets, ...CONFIG_FILES]) inputs[file] = signature(path.join(root, file));
  inputs['<build script>'] = signature(SCRIPT);
  return inputs;
}

/** The files a build must leave in dist/ (relative to `root`). */
export function expectedOutputs(root) {
  const compiled = SOURCE_DIRS.flatMap((dir) => filesUnder(root, dir))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => `dist/${file.slice(0, -'.ts'.length)}.js`);
  return [...compiled, ...filesUnder(root, ASSETS_DIR).map((file) => `dist/${file}`)];
}

function readStamp(root) {
  try {
    const stamp = JSON.parse(readFileSync(path.join(root, 'dist/.build-stamp.json'), 'utf8'));
    return stamp.version === STAMP_VERSION ? stamp : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether dist/ is up to date, and if not why and how to build: `{ fresh, reason, changed, incremental }`.
 * `incremental` is false when tsc's build info cannot be trusted to describe dist/ (then everything is rebuilt).
 */
export function planBuild(root, { force = false } = {}) {
  const inputs = fingerprint(root);
  const stamp = readStamp(root);
  const missing = expectedOutputs(root).filter((file) => !existsSync(path.join(root, file)));
  const buildInfo = signature(path.join(root, 'dist/.tsbuildinfo'));
  const trustedInfo = stamp !== undefined && buildInfo !== 'missing' && stamp.buildInfo === buildInfo && missing.length === 0;
  const changed = stamp === undefined ? [] : [...new Set([...Object.keys(inputs), ...Object.keys(stamp.inputs)])]
    .filter((file) => inputs[file] !== stamp.inputs[file])
    .sort();
  const plan = (fresh, reason) => ({ fresh, reason, changed, incremental: trustedInfo && !force, inputs });
  if (force) return plan(false, '--force');
  if (stamp === undefined) return plan(false, existsSync(path.join(root, 'dist')) ? 'dist/ has no build stamp (an older or partial build)' : 'no dist/ yet');
  if (missing.length > 0) return plan(false, `${missing.length} output(s) missing, e.g. ${missing[0]}`);
  if (!stamp.ok) return plan(false, 'the last build failed');
  if (changed.length > 0) return plan(false, `${changed.length} input(s) changed: ${changed.slice(0, 3).join(', ')}${changed.length > 3 ? ', …' : ''}`);
  return plan(true, 'up to date');
}

function writeStamp(root, stamp) {
  const file = path.join(root, 'dist/.build-stamp.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, JSON.stringify(stamp));
  renameSync(`${file}.tmp`, file); // atomic: a reader sees the old stamp or the new one
}

/** Runs tsc (incrementally when `plan.incremental`) and copies the assets; returns tsc's exit status. */
export function build(root, plan) {
  const buildInfo = path.join(root, 'dist/.tsbuildinfo');
  if (!plan.incremental) rmSync(buildInfo, { force: true });
  rmSync(path.join(root, 'dist/.build-stamp.json'), { force: true });
  const tsc = path.join(path.dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--incremental', '--tsBuildInfoFile', buildInfo], { cwd: root, stdio: 'inherit' });
  if (existsSync(path.join(root, ASSETS_DIR))) cpSync(path.join(root, ASSETS_DIR), path.join(root, 'dist', ASSETS_DIR), { recursive: true });
  const status = result.status ?? 1;
  // The inputs as they were before tsc read them: a file saved during the build makes the next run stale.
  writeStamp(root, { version: STAMP_VERSION, ok: status === 0, buildInfo: signature(buildInfo), inputs: plan.inputs });
  return status;
}

function main(args) {
  const rootIndex = args.indexOf('--root');
  const root = rootIndex === -1 ? path.resolve(path.dirname(SCRIPT), '..') : path.resolve(args[rootIndex + 1] ?? '.');
  const known = new Set(['--force', '--check', '--root', ...(rootIndex === -1 ? [] : [args[rootIndex + 1]])]);
  const unknown = args.filter((arg) => !known.has(arg));
  if (unknown.length > 0) {
    console.error(`build-if-stale: unknown argument ${unknown[0]} (usage: [--force] [--check] [--root <dir>])`);
    return 2;
  }
  const started = Date.now();
  const plan = planBuild(root, { force: args.includes('--force') });
  if (plan.fresh) {
    console.error(`build: dist/ is up to date (checked ${Object.keys(plan.inputs).length} inputs in ${Date.now() - started} ms)`);
    return 0;
  }
  if (args.includes('--check')) {
    console.error(`build: dist/ is stale: ${plan.reason}`);
    return 1;
  }
  console.error(`build: ${plan.reason}; ${plan.incremental ? 'tsc --incremental (only what changed)' : 'full build'}…`);
  const status = build(root, plan);
  console.error(status === 0 ? `build: done in ${((Date.now() - started) / 1000).toFixed(1)} s` : `build: tsc exited with ${status} (output written anyway; the next run builds again)`);
  return status;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === SCRIPT) process.exitCode = main(process.argv.slice(2));
