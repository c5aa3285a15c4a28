/**
 * Runs shapes for two contenders, interleaved repetition by repetition: for each shape, one side child per contender
 * (so they never share a heap or an event loop), set up one after the other, then repetition i runs contender A then
 * B when i is even and B then A when i is odd — so that neither always runs first, on a cooler or warmer machine.
 * The idle side stays up between its repetitions (its idle polling is part of the background).
 *
 * @module
 */
import os from 'node:os';
import { SHAPES, type RepResult, type ShapeId, type ShapeParams } from './shapes.js';
import { SideProcess, type SideMemory } from './side-process.js';
import type { SideConfig } from './side-protocol.js';

/** One of the two things being compared. */
export interface Contender {
  readonly id: string;
  readonly label: string;
  /** The side child's entry (a compiled .js file). */
  readonly script: string;
  /** Prepares what the side needs for `shape` (a fresh database, say) and returns its configuration. */
  config(shape: ShapeId, params: ShapeParams): Promise<SideConfig>;
  /** Cleans up after `shape` (drops that database). */
  cleanup?(shape: ShapeId): Promise<void>;
}

export interface ShapeOutcome {
  readonly shape: ShapeId;
  readonly params: ShapeParams;
  /** Repetitions per contender id, in order (rep i of A ran next to rep i of B). */
  readonly reps: Record<string, RepResult[]>;
  readonly memory: Record<string, SideMemory | undefined>;
  readonly seconds: number;
  /** The 1-minute load average when the shape started and when it ended. */
  readonly load: readonly [number, number];
  readonly error?: string;
}

export interface RunOptions {
  readonly shapes: readonly ShapeId[];
  readonly contenders: readonly [Contender, Contender];
  readonly reps: number;
  readonly quick: boolean;
  readonly log: (line: string) => void;
}

const live = new Set<SideProcess>();

/** Ends every side child still running, letting each tear down first (for SIGINT and fatal errors). */
export async function killAllSides(): Promise<void> {
  await Promise.all([...live].map((side) => side.abort()));
}

async function startSide(contender: Contender, shape: ShapeId, params: ShapeParams): Promise<SideProcess> {
  const side = await SideProcess.start(contender.script, await contender.config(shape, params), `${contender.label} ${shape}`);
  live.add(side);
  return side;
}

async function runShape(shape: ShapeId, options: RunOptions): Promise<ShapeOutcome> {
  const params = SHAPES[shape].params(options.quick);
  const startedAt = performance.now();
  const loadBefore = os.loadavg()[0] ?? Number.NaN;
  const reps: Record<string, RepResult[]> = Object.fromEntries(options.contenders.map((c) => [c.id, []]));
  const memory: Record<string, SideMemory | undefined> = {};
  const sides = new Map<string, SideProcess>();
  let error: string | undefined;
  try {
    // Set-ups (launch, warm-up) are not measured: they run side by side to save time.
    const started = await Promise.allSettled(options.contenders.map(async (c) => sides.set(c.id, await startSide(c, shape, params))));
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    for (let rep = 0; rep < options.reps; rep++) {
      const order = rep % 2 === 0 ? options.contenders : [options.contenders[1], options.contenders[0]];
      for (const contender of order) {
        const result = await (sides.get(contender.id) as SideProcess).run(rep);
        reps[contender.id]?.push(result);
        const shown = Object.entries(result.metrics).map(([k, v]) => `${k}=${Number.isFinite(v) ? v.toFixed(2) : v}`).join(' ');
        options.log(`  ${shape} rep ${rep + 1}/${options.reps} ${contender.label}: ${shown}`);
      }
    }
  } catch (e) {
    error = (e as Error).message;
    options.log(`  ${shape} FAILED: ${error}`);
  } finally {
    for (const contender of options.contenders) {
      const side = sides.get(contender.id);
      if (side === undefined) continue;
      try {
        memory[contender.id] = await side.stop();
      } catch (e) {
        options.log(`  ${shape}: stopping ${contender.label} failed: ${(e as Error).message}`);
      }
      live.delete(side);
    }
    for (const contender of options.contenders) await contender.cleanup?.(shape);
  }
  return { shape, params, reps, memory, seconds: (performance.now() - startedAt) / 1000, load: [loadBefore, os.loadavg()[0] ?? Number.NaN], ...(error === undefined ? {} : { error }) };
}

/** Runs every shape in order; a failed shape is reported and the run goes on. */
export async function runShapes(options: RunOptions): Promise<ShapeOutcome[]> {
  const outcomes: ShapeOutcome[] = [];
  for (const shape of options.shapes) {
    options.log(`${shape}: ${SHAPES[shape].title}`);
    outcomes.push(await runShape(shape, options));
  }
  return outcomes;
}
