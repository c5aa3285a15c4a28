/**
 * Command-line options shared by `npm run bench` and `npm run bench:peers`, and the machine description every report
 * starts with (load average included: numbers on a loaded machine are not comparable).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHAPE_IDS, type ShapeId } from './shapes.js';

export interface BenchOptions {
  /** `--quick`: smaller workloads and 3 repetitions, for a smoke run. */
  readonly quick: boolean;
  /** `--reps N`: repetitions per shape (default 3 quick, 5 full). */
  readonly reps: number;
  /** `--only a,b`: these shapes only. */
  readonly shapes: readonly ShapeId[];
  /** `--json FILE`: where to write the raw results (default: a file under the OS temp dir). */
  readonly json: string | undefined;
  readonly argv: readonly string[];
}

export function parseOptions(argv: readonly string[] = process.argv.slice(2)): BenchOptions {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const reps = Number(value('--reps') ?? (quick ? 3 : 5));
  if (!Number.isInteger(reps) || reps < 1) throw new Error('--reps must be a positive integer');
  const only = value('--only')?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = only?.filter((s) => !(SHAPE_IDS as readonly string[]).includes(s)) ?? [];
  if (unknown.length > 0) throw new Error(`unknown shape(s) ${unknown.join(', ')}; known: ${SHAPE_IDS.join(', ')}`);
  return { quick, reps, shapes: only === undefined ? SHAPE_IDS : (only as ShapeId[]), json: value('--json'), argv };
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** A package's installed version, or `?`. */
export function packageVersion(name: string): string {
  try {
    const file = name === '.' ? path.join(repoRoot, 'package.json') : path.join(repoRoot, 'node_modules', name, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? '?';
  } catch {
    return '?';
  }
}

export const loadAverage = (): string => os.loadavg().map((n) => n.toFixed(2)).join(' / ');

/** One line about the machine. */
export function machineLine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
}
