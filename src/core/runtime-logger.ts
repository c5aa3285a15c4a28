import { inspect } from 'node:util';

/** Severity of a log line: the runtime's own lines and an orchestrator's replay-safe `ctx.log`. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * The lifecycle steps worth an operator's attention, as {@link DurablyLogRecord.event}. A closed set: a logger may
 * switch on it (route `instance.failed` to an alert, count `storage.retry`). See docs/observability.md for the level
 * and moment of each.
 */
export type LifecycleEvent =
  | 'instance.started'
  | 'instance.completed'
  | 'instance.failed'
  | 'instance.terminated'
  | 'instance.continued-as-new'
  | 'instance.stuck'
  | 'instance.retried'
  | 'instance.poisoned'
  | 'instance.takeover'
  | 'activity.failed'
  | 'activity.poisoned'
  | 'activity.timed-out'
  | 'lease.lost'
  | 'episode.failed'
  | 'storage.retry'
  | 'notifications.failed'
  | 'orchestrator.log'
  | 'entity.failed'
  | 'worker.stop';

/** One log line of the runtime, with what it is about. Only `level`, `message` and `time` are always set. */
export interface DurablyLogRecord {
  /** The line's severity (the same as the logger's first argument). */
  readonly level: LogLevel;
  /** The human-readable line (the same as the logger's second argument). */
  readonly message: string;
  /** When the line was logged (wall-clock time). */
  readonly time: Date;
  /** The lifecycle step the line reports, when it reports one. */
  readonly event?: LifecycleEvent;
  /** The orchestration instance (or entity, `@name@key`) the line is about. */
  readonly instanceId?: string;
  /** The execution of that instance (a new one per continue-as-new). */
  readonly executionId?: string;
  /** The orchestrator, activity or entity name the line is about. */
  readonly name?: string;
  /**
   * What went wrong: a thrown value (usually an `Error`), or an `Error` standing for a failure recorded in history
   * (its `name` is the recorded error type).
   */
  readonly error?: unknown;
  /** The attempt of an activity (1 for its first start), or the claims of an instance's episode so far. */
  readonly attempt?: number;
  /** The activity's (or sub-orchestration's) sequence number in its orchestration's history. */
  readonly taskId?: number;
  /** The entity operation the line is about. */
  readonly operation?: string;
  /** How many instances the line is about (e.g. stuck instances retried at once). */
  readonly count?: number;
  /** How long until the step is tried again, in milliseconds. */
  readonly retryInMs?: number;
  /** For `instance.takeover`: the worker whose lease on the instance had expired (it died or froze holding it). */
  readonly previousWorkerId?: string;
  /** For `orchestrator.log`: the arguments given to `ctx.log.<level>(message, ...args)` after the message. */
  readonly args?: readonly unknown[];
}

/**
 * Where the runtime writes its log lines (and orchestrators' replay-safe `ctx.log` lines). The third argument is the
 * whole record — it repeats `level` and `message` — so a logger may take just it; a logger that takes only
 * `(level, message)` works as well. Called synchronously: a logger should not throw, and should hand slow I/O off.
 * `info` and `debug` records are built cheaply, but are built: a logger that drops them costs an object each.
 */
export type RuntimeLogger = (level: LogLevel, message: string, record: DurablyLogRecord) => void;

/** The fields of a {@link DurablyLogRecord} a call site gives (level, message and time are added). @internal */
export type LogFields = Omit<DurablyLogRecord, 'level' | 'message' | 'time'>;

/**
 * How the runtime logs internally: level, message and the record's other fields; made from the app's
 * {@link RuntimeLogger} by {@link structuredLog}. @internal
 */
export type StructuredLog = (level: LogLevel, message: string, fields?: LogFields) => void;

/** The {@link StructuredLog} that hands `logger` whole records. @internal */
export function structuredLog(logger: RuntimeLogger): StructuredLog {
  return (level, message, fields) => logger(level, message, fields === undefined ? { level, message, time: new Date() } : { level, message, time: new Date(), ...fields });
}

const LEVEL_RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * The default logger: warnings and errors on the console (`console.warn`, `console.error`), as
 * `[durably] <message>`, followed by the error when the record has one (with its stack); `debug` and `info` are dropped.
 */
export const consoleLogger: RuntimeLogger = (level, message, record) => {
  if (level !== 'warn' && level !== 'error') return;
  const write = level === 'warn' ? console.warn : console.error;
  // `record` is absent when the logger is called the old way, (level, message).
  const r = record as DurablyLogRecord | undefined;
  // An orchestrator's ctx.log line names its orchestration, as the console showed it before records.
  const line = r?.event === 'orchestrator.log' ? `[durably] [${r.name ?? ''} ${r.instanceId ?? ''}] ${message}` : `[durably] ${message}`;
  if (r?.event === 'orchestrator.log' && r.args !== undefined) write(line, ...r.args);
  else if (r?.error === undefined) write(line);
  else write(line, r.error);
};

/** Options of {@link jsonConsoleLogger}. */
export interface JsonConsoleLoggerOptions {
  /** The least severe level written. Default: `'info'`. */
  readonly minLevel?: LogLevel;
  /** Where each line goes (without a trailing newline). Default: `process.stdout`, one line each. */
  readonly write?: (line: string) => void;
}

/**
 * A logger that writes each record at or above `minLevel` as one JSON line: `time` as an ISO string, `error` as
 * `{ name, message, stack, code }` (plus `cause` when it has one), every other field as it is (a value JSON cannot
 * hold, such as a bigint or a cycle, is written as its `util.inspect` text).
 *
 * @example
 * ```ts
 * const durably = await Durably.create({ logger: jsonConsoleLogger({ minLevel: 'info' }) });
 * ```
 */
export function jsonConsoleLogger(options: JsonConsoleLoggerOptions = {}): RuntimeLogger {
  const min = LEVEL_RANK[options.minLevel ?? 'info'];
  const write = options.write ?? ((line: string) => void process.stdout.write(`${line}\n`));
  return (level, message, record) => {
    if (LEVEL_RANK[level] < min) return;
    write(recordToJson({ ...(record as DurablyLogRecord | undefined), level, message, time: record?.time ?? new Date() }));
  };
}

/** A record as one JSON line (see {@link jsonConsoleLogger}). @internal */
export function recordToJson(record: DurablyLogRecord): string {
  const { level, message, time, error, ...rest } = record;
  const fields: Record<string, unknown> = { time: time.toISOString(), level, message, ...rest };
  if (error !== undefined) fields['error'] = serializeError(error);
  try {
    return JSON.stringify(fields, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  } catch {
    // A cycle, or a throwing toJSON, in the args of a ctx.log line: those are written as text.
    const args = fields['args'];
    if (args !== undefined) fields['args'] = inspect(args, { depth: 4, breakLength: Infinity });
    try {
      return JSON.stringify(fields);
    } catch {
      return JSON.stringify({ time: fields['time'], level, message, unserializable: inspect(rest, { depth: 2, breakLength: Infinity }) });
    }
  }
}

/** An error as plain JSON fields: `{ name, message, stack, code }`, and `cause` (three levels deep at most). */
export function serializeError(error: unknown, depth = 0): unknown {
  if (typeof error !== 'object' || error === null) return typeof error === 'bigint' || typeof error === 'symbol' ? String(error) : error;
  const e = error as { name?: unknown; message?: unknown; stack?: unknown; code?: unknown; cause?: unknown };
  if (typeof e.message !== 'string' && typeof e.name !== 'string') return inspect(error, { depth: 2, breakLength: Infinity });
  const out: Record<string, unknown> = { name: typeof e.name === 'string' ? e.name : 'Error', message: typeof e.message === 'string' ? e.message : String(e.message) };
  if (typeof e.stack === 'string') out['stack'] = e.stack;
  if (typeof e.code === 'string' || typeof e.code === 'number') out['code'] = e.code;
  if (e.cause !== undefined && depth < 3) out['cause'] = serializeError(e.cause, depth + 1);
  return out;
}

/**
 * The four methods of a pino logger this adapter calls: `pino[level](fields, message)`. Typed structurally, so that
 * `pino` is not a dependency of Durably; a pino `Logger` (or a child of one) fits.
 */
export interface PinoLike {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * A logger that hands each record to pino: `pino[level](fields, message)`, where `fields` are the record's fields but
 * `level`, `message` and `time` (pino stamps its own), with the error under `err` (pino's standard error serializer
 * writes its type, message and stack). pino's own level decides what is written.
 *
 * @example
 * ```ts
 * import pino from 'pino';
 * const durably = await Durably.create({ logger: pinoLogger(pino({ level: 'info' })) });
 * ```
 */
export function pinoLogger(pino: PinoLike): RuntimeLogger {
  return (level, message, record) => {
    const fields: Record<string, unknown> = {};
    if (record !== undefined) {
      const { level: _level, message: _message, time: _time, error, ...rest } = record;
      Object.assign(fields, rest);
      if (error !== undefined) fields['err'] = error;
    }
    pino[level](fields, message);
  };
}
