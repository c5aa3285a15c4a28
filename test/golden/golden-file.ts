// The golden history files (test/golden/histories/*.json) and their replay against the current code.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { container as rootContainer } from 'tsyringe';
import {
  decodePayload, HistoryEventType, type DurableRegistry, type HistoryEvent, type OrchestrationDecision,
} from '../../src/index.js';
import { parseHistory, replayHistory } from '../../src/testing/index.js';

/** Where the recorded histories are kept (committed). */
export const HISTORIES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'histories');

/** One recorded execution, as stored in `histories/<pattern>.<case>.json`. */
export interface GoldenFile {
  readonly format: 1;
  /** The Durable Functions pattern (or engine feature) the execution shows. */
  readonly pattern: string;
  /** What happened in this run, in a sentence. */
  readonly scenario: string;
  /** The registered orchestrator name (also in the history's ExecutionStarted). */
  readonly orchestrator: string;
  readonly instanceId: string;
  /** The engine's behaviour version when recorded (the history's ExecutionStarted carries it too). */
  readonly recordedWithEngineVersion: number;
  /**
   * How the execution ended, as the client saw it (decoded). `customStatus` (null for none) only for an instance's
   * last execution: the status of one that continued as new is not kept.
   */
  readonly final: {
    readonly runtimeStatus: 'Completed' | 'Failed' | 'ContinuedAsNew';
    readonly output?: unknown;
    readonly customStatus?: unknown;
  };
  /** `client.getHistory(instanceId)` as JSON (stack traces left out: they hold the recording machine's paths). */
  readonly history: readonly unknown[];
}

/** Every golden file, by file name, in name order. */
export function readGoldenFiles(dir: string = HISTORIES_DIR): { readonly file: string; readonly golden: GoldenFile }[] {
  return readdirSync(dir).filter((file) => file.endsWith('.json')).sort().map((file) => ({
    file,
    golden: JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as GoldenFile,
  }));
}

// Events an episode appends after its new events: what the code decided (its actions, how it ended) and the marker.
const DECISION_EVENTS = new Set<string>([
  HistoryEventType.TaskScheduled, HistoryEventType.TimerCreated, HistoryEventType.SubOrchestrationInstanceCreated,
  HistoryEventType.EventSent, HistoryEventType.EntityOperationCalled, HistoryEventType.EntityOperationSignaled,
  HistoryEventType.EntityLockRequested, HistoryEventType.EntityUnlockSent, HistoryEventType.ExecutionCompleted,
  HistoryEventType.ContinueAsNew, HistoryEventType.OrchestratorCompleted,
  // The code's own cancellations (engine version 2).
  HistoryEventType.TaskCancelRequested, HistoryEventType.TimerCanceled,
  // The patches it took (ctx.patched, ctx.deprecatePatch).
  HistoryEventType.PatchMarker,
]);

/** One episode of a recorded history: the events it was given, and the events its decision appended. */
export interface RecordedEpisode {
  /** Index of the episode's OrchestratorStarted in the history. */
  readonly start: number;
  readonly newEvents: readonly HistoryEvent[];
  readonly decided: readonly HistoryEvent[];
}

/**
 * Cuts a committed history into its episodes. Each episode was committed as its new events (OrchestratorStarted,
 * results, raised events...) followed by the decision's `newHistory` (actions, completion, OrchestratorCompleted).
 */
export function recordedEpisodes(events: readonly HistoryEvent[]): RecordedEpisode[] {
  const starts = events.flatMap((event, i) => (event.type === HistoryEventType.OrchestratorStarted ? [i] : []));
  return starts.map((start, k) => {
    const episode = events.slice(start, starts[k + 1] ?? events.length);
    const cut = episode.findIndex((event) => DECISION_EVENTS.has(event.type));
    const at = cut < 0 ? episode.length : cut;
    return { start, newEvents: episode.slice(0, at), decided: episode.slice(at) };
  });
}

/**
 * An event as plain JSON for comparison: dates as ISO strings, keys in order, fields without a value and stack traces
 * (they name source paths) left out.
 */
export function comparable(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(comparable);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const field = (value as Record<string, unknown>)[key];
    if (key !== 'stackTrace' && field !== undefined) out[key] = comparable(field);
  }
  return out;
}

/** What went differently when a golden history was replayed against the current code. */
export interface GoldenMismatch {
  readonly episode: number;
  readonly what: string;
  readonly recorded: unknown;
  readonly replayed: unknown;
}

/** The outcome of {@link replayGolden}: the decisions replayed, and every difference from the recording. */
export interface GoldenReplay {
  readonly episodes: number;
  readonly lastDecision: OrchestrationDecision;
  readonly mismatches: readonly GoldenMismatch[];
}

/**
 * Replays a recorded execution against the orchestrator the registry holds under its name, one episode at a time,
 * as the runtime would have: each episode's decision must append exactly the events the recording appended (the same
 * actions with the same inputs, timers for the same times, the same completion and output), and the last one must
 * leave the custom status the client saw. Rejects (NonDeterminismError, NonDurableAwaitError) when the code cannot
 * replay the history at all.
 */
export async function replayGolden(golden: GoldenFile, registry: DurableRegistry, orchestrator?: { run(ctx: never): unknown }): Promise<GoldenReplay> {
  const events = parseHistory(golden.history);
  const episodes = recordedEpisodes(events);
  const container = rootContainer.createChildContainer();
  const mismatches: GoldenMismatch[] = [];
  let lastDecision: OrchestrationDecision | undefined;
  for (const [k, episode] of episodes.entries()) {
    const decision = await replayHistory(orchestrator ?? registry.resolveOrchestrator(golden.orchestrator, container), {
      pastEvents: events.slice(0, episode.start),
      newEvents: episode.newEvents,
    }, { resolveName: (kind, ref) => registry.nameOf(kind, ref) });
    const recorded = comparable(episode.decided);
    const replayed = comparable(decision.newHistory);
    if (JSON.stringify(recorded) !== JSON.stringify(replayed)) mismatches.push({ episode: k + 1, what: 'the events the episode appended', recorded, replayed });
    lastDecision = decision;
  }
  if (lastDecision === undefined) throw new Error(`${golden.instanceId}: the recorded history has no episode`);

  const completion = lastDecision.completion;
  const ended = completion === undefined ? 'Running' : completion.status;
  if (ended !== golden.final.runtimeStatus) mismatches.push({ episode: episodes.length, what: 'how the execution ended', recorded: golden.final.runtimeStatus, replayed: ended });
  if (completion?.status === 'Completed' && JSON.stringify(decodePayload(completion.output)) !== JSON.stringify(golden.final.output)) {
    mismatches.push({ episode: episodes.length, what: 'the output', recorded: golden.final.output, replayed: decodePayload(completion.output) });
  }
  const customStatus = decodePayload(lastDecision.customStatus) ?? null;
  if (golden.final.customStatus !== undefined && JSON.stringify(customStatus) !== JSON.stringify(golden.final.customStatus)) {
    mismatches.push({ episode: episodes.length, what: 'the custom status', recorded: golden.final.customStatus, replayed: customStatus });
  }
  return { episodes: episodes.length, lastDecision, mismatches };
}
