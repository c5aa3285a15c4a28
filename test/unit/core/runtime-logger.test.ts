import { afterEach, describe, expect, it, jest } from '@jest/globals';
import {
  consoleLogger, jsonConsoleLogger, pinoLogger, serializeError, structuredLog, type DurablyLogRecord, type PinoLike, type RuntimeLogger,
} from '../../../src/core/runtime-logger.js';

const TIME = new Date('2024-05-01T12:00:00.000Z');

function record(fields: Partial<DurablyLogRecord> & Pick<DurablyLogRecord, 'level' | 'message'>): DurablyLogRecord {
  return { time: TIME, ...fields };
}

function jsonLines(options: Parameters<typeof jsonConsoleLogger>[0] = {}): { logger: RuntimeLogger; parsed: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const logger = jsonConsoleLogger({ ...options, write: (line) => lines.push(line) });
  return { logger, parsed: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

class PaymentDeclinedError extends Error {
  readonly code = 'DECLINED';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PaymentDeclinedError';
  }
}

describe('structuredLog', () => {
  it('hands the logger the whole record: level and message repeated, a time, and the given fields', () => {
    const calls: [string, string, DurablyLogRecord][] = [];
    const log = structuredLog((level, message, rec) => calls.push([level, message, rec]));
    log('info', 'instance started', { event: 'instance.started', instanceId: 'i1', executionId: 'e1', name: 'Chain' });
    log('warn', 'plain');
    expect(calls).toHaveLength(2);
    const [level, message, rec] = calls[0]!;
    expect([level, message]).toEqual(['info', 'instance started']);
    expect(rec).toEqual({ level: 'info', message: 'instance started', time: expect.any(Date), event: 'instance.started', instanceId: 'i1', executionId: 'e1', name: 'Chain' });
    expect(calls[1]![2]).toEqual({ level: 'warn', message: 'plain', time: expect.any(Date) });
  });

  it('works with a logger that takes only (level, message)', () => {
    const seen: string[] = [];
    const oldStyle: RuntimeLogger = (level, message) => seen.push(`${level} ${message}`);
    structuredLog(oldStyle)('error', 'boom', { error: new Error('x') });
    expect(seen).toEqual(['error boom']);
  });
});

describe('jsonConsoleLogger', () => {
  it('writes one JSON line per record: time as ISO, level, message, then the fields', () => {
    const { logger, parsed } = jsonLines();
    logger('info', 'instance completed', record({ level: 'info', message: 'instance completed', event: 'instance.completed', instanceId: 'i1', executionId: 'e1', name: 'Chain' }));
    expect(parsed()).toEqual([{ time: '2024-05-01T12:00:00.000Z', level: 'info', message: 'instance completed', event: 'instance.completed', instanceId: 'i1', executionId: 'e1', name: 'Chain' }]);
  });

  it('serializes the error as { name, message, stack, code }, with its cause', () => {
    const { logger, parsed } = jsonLines();
    const error = new PaymentDeclinedError('card declined', { cause: new TypeError('bad card') });
    logger('error', 'activity failed', record({ level: 'error', message: 'activity failed', error, attempt: 2 }));
    const [line] = parsed();
    expect(line?.['attempt']).toBe(2);
    expect(line?.['error']).toEqual({
      name: 'PaymentDeclinedError', message: 'card declined', stack: error.stack, code: 'DECLINED',
      cause: { name: 'TypeError', message: 'bad card', stack: expect.any(String) },
    });
  });

  it('drops records below minLevel (default info)', () => {
    const byDefault = jsonLines();
    for (const level of ['debug', 'info', 'warn', 'error'] as const) byDefault.logger(level, level, record({ level, message: level }));
    expect(byDefault.parsed().map((line) => line['level'])).toEqual(['info', 'warn', 'error']);
    const warnOnly = jsonLines({ minLevel: 'warn' });
    for (const level of ['debug', 'info', 'warn', 'error'] as const) warnOnly.logger(level, level, record({ level, message: level }));
    expect(warnOnly.parsed().map((line) => line['level'])).toEqual(['warn', 'error']);
    const all = jsonLines({ minLevel: 'debug' });
    all.logger('debug', 'd', record({ level: 'debug', message: 'd' }));
    expect(all.parsed()).toHaveLength(1);
  });

  it('writes ctx.log args that JSON cannot hold (a cycle, a bigint) as text instead of throwing', () => {
    const { logger, parsed } = jsonLines();
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    logger('info', 'ctx line', record({ level: 'info', message: 'ctx line', event: 'orchestrator.log', args: [cyclic, 10n] }));
    const [line] = parsed();
    expect(line?.['message']).toBe('ctx line');
    expect(typeof line?.['args']).toBe('string');
    logger('info', 'big', record({ level: 'info', message: 'big', args: [10n] }));
    expect(parsed()[1]?.['args']).toEqual(['10']);
  });

  it('writes to stdout by default, one line each', () => {
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      jsonConsoleLogger()('warn', 'w', record({ level: 'warn', message: 'w' }));
      expect(write).toHaveBeenCalledTimes(1);
      const text = String(write.mock.calls[0]?.[0]);
      expect(text.endsWith('\n')).toBe(true);
      expect(JSON.parse(text)).toMatchObject({ level: 'warn', message: 'w' });
    } finally {
      write.mockRestore();
    }
  });
});

describe('serializeError', () => {
  it('keeps values that are not errors as they are, and never throws', () => {
    expect(serializeError('text')).toBe('text');
    expect(serializeError(42)).toBe(42);
    expect(serializeError(10n)).toBe('10');
    expect(typeof serializeError({ not: 'an error' })).toBe('string');
  });
});

describe('pinoLogger', () => {
  function fakePino(): PinoLike & { calls: [string, object, string][] } {
    const calls: [string, object, string][] = [];
    return {
      calls,
      debug: (fields, message) => calls.push(['debug', fields, message]),
      info: (fields, message) => calls.push(['info', fields, message]),
      warn: (fields, message) => calls.push(['warn', fields, message]),
      error: (fields, message) => calls.push(['error', fields, message]),
    };
  }

  it('calls pino[level](fields, message): the record without level, message and time, the error under err', () => {
    const pino = fakePino();
    const logger = pinoLogger(pino);
    const error = new Error('down');
    logger('warn', 'instance failed', record({ level: 'warn', message: 'instance failed', event: 'instance.failed', instanceId: 'i1', executionId: 'e1', name: 'Chain', error }));
    logger('debug', 'activity failed', record({ level: 'debug', message: 'activity failed', event: 'activity.failed', attempt: 3, taskId: 1 }));
    expect(pino.calls).toEqual([
      ['warn', { event: 'instance.failed', instanceId: 'i1', executionId: 'e1', name: 'Chain', err: error }, 'instance failed'],
      ['debug', { event: 'activity.failed', attempt: 3, taskId: 1 }, 'activity failed'],
    ]);
  });
});

describe('consoleLogger', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('prints warnings and errors (with the error), and drops debug and info', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const info = jest.spyOn(console, 'info').mockImplementation(() => undefined);
    const failure = new Error('x');
    consoleLogger('debug', 'd', record({ level: 'debug', message: 'd' }));
    consoleLogger('info', 'i', record({ level: 'info', message: 'i' }));
    consoleLogger('warn', 'w', record({ level: 'warn', message: 'w' }));
    consoleLogger('error', 'e', record({ level: 'error', message: 'e', error: failure }));
    expect(log).not.toHaveBeenCalled();
    expect(info).not.toHaveBeenCalled();
    expect(warn.mock.calls).toEqual([['[durably] w']]);
    expect(error.mock.calls).toEqual([['[durably] e', failure]]);
  });

  it("names the orchestration of a ctx.log line and prints its args, as before records", () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    consoleLogger('warn', 'low stock', record({ level: 'warn', message: 'low stock', event: 'orchestrator.log', name: 'Order', instanceId: 'o1', args: [{ sku: 'a' }] }));
    expect(warn.mock.calls).toEqual([['[durably] [Order o1] low stock', { sku: 'a' }]]);
  });
});
