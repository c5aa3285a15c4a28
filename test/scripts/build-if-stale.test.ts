// scripts/build-if-stale.mjs (`npm run build`, `npm start`'s prestart) on a small tree laid out like this repository
// (src/, examples/, the dashboard's assets, both tsconfigs) in a temporary folder: it builds when dist/ is missing or
// stale, skips when it is up to date, re-emits only what changed, copies changed assets, and rebuilds everything when
// an output is missing or the stamp is gone. Nothing here depends on how fast the machine is: freshness is read from
// the script's own verdict and from file contents and mtimes, never from durations.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCRIPT = path.join(repo, 'scripts/build-if-stale.mjs');
let root: string;

/** Runs the script on the temporary tree; `output` is what it and tsc printed. */
function run(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [SCRIPT, '--root', root, ...args], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function write(file: string, content: string): void {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), content);
}

const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');
const mtime = (file: string): number => statSync(path.join(root, file)).mtimeMs;

/** Moves a file's mtime 10 s ahead: a change the stamp must see even on a file system with coarse timestamps. */
function bumpMtime(file: string): void {
  const later = new Date(mtime(file) + 10_000);
  utimesSync(path.join(root, file), later, later);
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'durably-build-if-stale-'));
  write('package.json', '{ "type": "module" }\n');
  write('tsconfig.json', JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, types: [], rootDir: '.', outDir: 'dist' },
    include: ['src', 'examples', 'bench'],
  }));
  write('tsconfig.build.json', '{ "extends": "./tsconfig.json" } // a comment, as the real one has\n');
  write('src/a.ts', 'export const a: number = 1;\n');
  write('src/b.ts', "import { a } from './a.js';\nexport const b = a + 1;\n");
  write('examples/start.ts', "import { b } from '../src/b.js';\nconsole.log(b);\n");
  write('src/http/dashboard/assets/app.js', 'export const version = 1;\n');
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('scripts/build-if-stale.mjs', () => {
  it('keeps its list of source folders and the assets folder equal to the repository\'s', async () => {
    const script = (await import(SCRIPT)) as { SOURCE_DIRS: string[]; ASSETS_DIR: string };
    const config = ts.readConfigFile(path.join(repo, 'tsconfig.build.json'), ts.sys.readFile);
    expect(config.error).toBeUndefined();
    expect(script.SOURCE_DIRS).toEqual((config.config as { include: string[] }).include);
    // dashboard-assets.ts loads './assets/' next to itself.
    expect(existsSync(path.join(repo, script.ASSETS_DIR, 'index.html'))).toBe(true);
    expect(readFileSync(path.join(repo, 'src/http/dashboard/dashboard-assets.ts'), 'utf8')).toContain("new URL('./assets/', import.meta.url)");
  });

  it('builds a tree without dist/ (compiled files and the assets), then says it is up to date and builds nothing', () => {
    expect(run('--check')).toMatchObject({ status: 1, output: expect.stringContaining('no dist/ yet') });
    const first = run();
    expect(first).toMatchObject({ status: 0, output: expect.stringContaining('full build') });
    expect(read('dist/src/b.js')).toContain('a + 1');
    expect(read('dist/examples/start.js')).toContain('console.log(b)');
    expect(read('dist/src/http/dashboard/assets/app.js')).toBe('export const version = 1;\n');

    const built = mtime('dist/src/b.js');
    expect(run('--check')).toMatchObject({ status: 0, output: expect.stringContaining('up to date') });
    const second = run();
    expect(second).toMatchObject({ status: 0, output: expect.stringContaining('up to date') });
    expect(second.output).not.toContain('tsc');
    expect(mtime('dist/src/b.js')).toBe(built);
  });

  it('is stale after a source changes, and rebuilds only that file (tsc --incremental)', () => {
    const aBefore = mtime('dist/src/a.js');
    write('src/b.ts', "import { a } from './a.js';\nexport const b = a + 2;\n");
    bumpMtime('src/b.ts');
    expect(run('--check')).toMatchObject({ status: 1, output: expect.stringContaining('1 input(s) changed: src/b.ts') });
    expect(run()).toMatchObject({ status: 0, output: expect.stringContaining('tsc --incremental') });
    expect(read('dist/src/b.js')).toContain('a + 2');
    expect(mtime('dist/src/a.js')).toBe(aBefore); // not re-emitted
    expect(run('--check').status).toBe(0);
  });

  it('is stale after a source is only touched, and after package.json or a tsconfig changes', () => {
    for (const file of ['src/a.ts', 'package.json', 'tsconfig.build.json']) {
      bumpMtime(file);
      expect(run('--check')).toMatchObject({ status: 1, output: expect.stringContaining(`changed: ${file}`) });
      expect(run().status).toBe(0);
      expect(run('--check').status).toBe(0);
    }
  });

  it('copies a changed or added asset', () => {
    write('src/http/dashboard/assets/app.js', 'export const version = 2;\n');
    bumpMtime('src/http/dashboard/assets/app.js');
    write('src/http/dashboard/assets/new.css', 'body {}\n');
    expect(run('--check').status).toBe(1);
    expect(run().status).toBe(0);
    expect(read('dist/src/http/dashboard/assets/app.js')).toBe('export const version = 2;\n');
    expect(read('dist/src/http/dashboard/assets/new.css')).toBe('body {}\n');
  });

  it('rebuilds everything when an output is missing (tsc\'s build info alone would not re-emit it)', () => {
    rmSync(path.join(root, 'dist/src/a.js'));
    expect(run('--check')).toMatchObject({ status: 1, output: expect.stringContaining('missing, e.g. dist/src/a.js') });
    expect(run()).toMatchObject({ status: 0, output: expect.stringContaining('full build') });
    expect(read('dist/src/a.js')).toContain('export const a = 1');
  });

  it('rebuilds everything over a dist/ from an older tree (no stamp), and with --force', () => {
    write('dist/src/a.js', 'export const a = "from an older tree";\n');
    rmSync(path.join(root, 'dist/.build-stamp.json'));
    expect(run('--check')).toMatchObject({ status: 1, output: expect.stringContaining('no build stamp') });
    expect(run()).toMatchObject({ status: 0, output: expect.stringContaining('full build') });
    expect(read('dist/src/a.js')).toContain('export const a = 1');

    write('dist/src/a.js', 'export const a = "edited by hand";\n');
    expect(run('--force')).toMatchObject({ status: 0, output: expect.stringContaining('--force; full build') });
    expect(read('dist/src/a.js')).toContain('export const a = 1');
  });

  it('fails on a type error (still emitting, as tsc does), stays stale until a build succeeds', () => {
    write('src/a.ts', "export const a: number = 'not a number';\n");
    bumpMtime('src/a.ts');
    const failed = run();
    expect(failed.status).not.toBe(0);
    expect(failed.output).toContain('TS2322');
    expect(read('dist/src/a.js')).toContain('not a number');
    expect(run('--check')).toMatchObject({ status: 1, output: expect.stringContaining('the last build failed') });

    write('src/a.ts', 'export const a: number = 3;\n');
    bumpMtime('src/a.ts');
    expect(run()).toMatchObject({ status: 0, output: expect.stringContaining('tsc --incremental') });
    expect(read('dist/src/a.js')).toContain('export const a = 3');
    expect(run('--check').status).toBe(0);
  });

  it('refuses unknown arguments', () => {
    expect(run('--fast')).toMatchObject({ status: 2, output: expect.stringContaining('unknown argument --fast') });
  });
});
