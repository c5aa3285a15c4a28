import { describe, expect, it } from '@jest/globals';
import {
  DurableError,
  InstanceAlreadyExistsError,
  InstanceNotFoundError,
  InvalidPayloadError,
  NonDeterminismError,
  NonDurableAwaitError,
  PayloadTooLargeError,
  RegistrationError,
  TaskFailedError,
  TimeoutError,
} from '../../../src/core/errors/index.js';
import type { FailureDetails } from '../../../src/core/failure-details.js';
import { errorFromFailureDetails, failureDetailsFrom, MAX_INNER_FAILURE_DEPTH } from '../../../src/core/failure-details-from.js';

const details: FailureDetails = { errorType: 'PaymentDeclinedError', errorMessage: 'card declined', stackTrace: 'PaymentDeclinedError: card declined\n    at x' };

describe('error classes', () => {
  it.each<[DurableError, string, string, Record<string, unknown>]>([
    [
      new NonDeterminismError({ sequence: 3, expected: "activity 'A'", actual: "timer", hint: 'Did you reorder calls?' }),
      'NonDeterminismError', 'NON_DETERMINISM', { sequence: 3, expected: "activity 'A'", actual: 'timer' },
    ],
    [new NonDurableAwaitError('Checkout'), 'NonDurableAwaitError', 'NON_DURABLE_AWAIT', { orchestratorName: 'Checkout' }],
    [
      new TaskFailedError("Activity 'Charge' failed: card declined", details, { taskName: 'Charge', taskKind: 'activity' }),
      'TaskFailedError', 'TASK_FAILED', { failureDetails: details, taskName: 'Charge', taskKind: 'activity' },
    ],
    [new TaskFailedError('failed', details), 'TaskFailedError', 'TASK_FAILED', { taskName: undefined, taskKind: undefined }],
    [new TimeoutError('timed out after 5s'), 'TimeoutError', 'TIMEOUT', { message: 'timed out after 5s' }],
    [new RegistrationError('duplicate name'), 'RegistrationError', 'REGISTRATION', { message: 'duplicate name' }],
    [
      new InstanceAlreadyExistsError('order-1', 'Running'), 'InstanceAlreadyExistsError', 'INSTANCE_ALREADY_EXISTS',
      { instanceId: 'order-1', runtimeStatus: 'Running' },
    ],
    [new InstanceNotFoundError('order-2'), 'InstanceNotFoundError', 'INSTANCE_NOT_FOUND', { instanceId: 'order-2' }],
    [new PayloadTooLargeError('input', 2048, 1024), 'PayloadTooLargeError', 'PAYLOAD_TOO_LARGE', { what: 'input', size: 2048, limit: 1024 }],
    [new InvalidPayloadError('input.a', 'a Promise: await it first'), 'InvalidPayloadError', 'INVALID_PAYLOAD', { path: 'input.a', reason: 'a Promise: await it first' }],
  ])('%#: %s', (error, name, code, fields) => {
    expect(error).toBeInstanceOf(DurableError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.constructor.name).toBe(name);
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(0);
    for (const [key, value] of Object.entries(fields)) expect((error as unknown as Record<string, unknown>)[key]).toEqual(value);
  });

  it('NonDeterminismError message names expected and actual', () => {
    expect(new NonDeterminismError({ sequence: 2, expected: "activity 'A'", actual: "activity 'B'", hint: 'Hint.' }).message).toBe(
      "Non-deterministic orchestrator: at action #2 the history recorded activity 'A' but the code now schedules activity 'B'. Hint.",
    );
    expect(new NonDeterminismError({ sequence: 0, expected: undefined, actual: 'a timer', hint: 'H' }).message).toBe(
      'Non-deterministic orchestrator: at action #0 the history recorded no action but the code now schedules a timer. H',
    );
    expect(new NonDeterminismError({ sequence: 1, expected: "activity 'A'", actual: undefined, hint: 'H' }).message).toContain(
      'the code now does nothing. H',
    );
  });

  it('NonDurableAwaitError explains what to use instead', () => {
    const { message } = new NonDurableAwaitError('Checkout');
    for (const part of ["'Checkout'", 'setTimeout', 'fetch', 'Promise', 'ctx.createTimer', 'activity', 'ctx.whenAll', 'Promise.all']) {
      expect(message).toContain(part);
    }
  });

  it('InvalidPayloadError message', () => {
    expect(new InvalidPayloadError('input.items[2].callback', 'functions cannot cross the durable boundary (pass data, not behaviour)').message).toBe(
      'Cannot store input.items[2].callback: functions cannot cross the durable boundary (pass data, not behaviour).',
    );
  });
});

describe('failureDetailsFrom', () => {
  it('an Error: type, message, stack', () => {
    const error = new TypeError('bad input');
    expect(failureDetailsFrom(error)).toEqual({ errorType: 'TypeError', errorMessage: 'bad input', stackTrace: error.stack });
  });

  it('uses the class name of a subclass that does not set name', () => {
    class PaymentDeclinedError extends Error {}
    expect(failureDetailsFrom(new PaymentDeclinedError('no')).errorType).toBe('PaymentDeclinedError');
  });

  it('uses name when the class is plain Error or DOMException', () => {
    const error = new Error('x');
    error.name = 'ValidationError';
    expect(failureDetailsFrom(error).errorType).toBe('ValidationError');
    expect(failureDetailsFrom(new DOMException('timed out', 'TimeoutError')).errorType).toBe('TimeoutError');
  });

  it('follows the cause chain', () => {
    const root = new RangeError('root');
    const error = new Error('top', { cause: new TimeoutError('middle', ) });
    Object.assign(error.cause as object, { cause: root });
    const result = failureDetailsFrom(error);
    expect(result.errorType).toBe('Error');
    expect(result.innerFailure?.errorType).toBe('TimeoutError');
    expect(result.innerFailure?.innerFailure).toEqual({ errorType: 'RangeError', errorMessage: 'root', stackTrace: root.stack });
  });

  it('is cycle-safe and depth-limited', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.assign(a, { cause: b });
    const cyclic = failureDetailsFrom(a);
    expect(cyclic.innerFailure?.errorMessage).toBe('b');
    expect(cyclic.innerFailure?.innerFailure).toBeUndefined();

    let deep: Error = new Error('level 0');
    for (let i = 1; i <= 50; i++) deep = new Error(`level ${i}`, { cause: deep });
    let levels = 0;
    for (let d = failureDetailsFrom(deep).innerFailure; d !== undefined; d = d.innerFailure) levels++;
    expect(levels).toBe(MAX_INNER_FAILURE_DEPTH);
  });

  it('a TaskFailedError keeps its type and nests the task failure', () => {
    const error = new TaskFailedError("Activity 'Charge' failed", details, { taskName: 'Charge', taskKind: 'activity' });
    const result = failureDetailsFrom(error);
    expect(result.errorType).toBe('TaskFailedError');
    expect(result.errorMessage).toBe("Activity 'Charge' failed");
    expect(result.innerFailure).toBe(details);
  });

  it('truncates a deep TaskFailedError chain (nested sub-orchestration failures)', () => {
    let nested: FailureDetails = { errorType: 'Error', errorMessage: 'root' };
    for (let i = 0; i < 30; i++) nested = failureDetailsFrom(new TaskFailedError(`level ${i}`, nested));
    let levels = 0;
    for (let d = nested.innerFailure; d !== undefined; d = d.innerFailure) levels++;
    expect(levels).toBe(MAX_INNER_FAILURE_DEPTH);
  });

  it('isNonRetriable only when explicitly true', () => {
    expect(failureDetailsFrom(Object.assign(new Error('x'), { isNonRetriable: true })).isNonRetriable).toBe(true);
    expect(failureDetailsFrom(Object.assign(new Error('x'), { isNonRetriable: 'yes' }))).not.toHaveProperty('isNonRetriable');
    expect(failureDetailsFrom(new Error('x'))).not.toHaveProperty('isNonRetriable');
  });

  it.each<[string, unknown, string]>([
    ['a string', 'boom', 'boom'],
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
    ['a number', 42, '42'],
    ['an object', { code: 7, reason: 'no' }, '{"code":7,"reason":"no"}'],
    ['a circular object', (() => { const o: Record<string, unknown> = {}; o.self = o; return o; })(), '[object Object]'],
    ['a null-prototype circular object', (() => { const o = Object.create(null) as Record<string, unknown>; o.self = o; return o; })(), '[object Object]'],
    ['a symbol', Symbol('s'), 'Symbol(s)'],
  ])('a thrown non-Error: %s', (_label, thrown, message) => {
    expect(failureDetailsFrom(thrown)).toEqual({ errorType: 'Error', errorMessage: message });
  });

  it('a non-Error cause', () => {
    expect(failureDetailsFrom(new Error('top', { cause: 'low' })).innerFailure).toEqual({ errorType: 'Error', errorMessage: 'low' });
  });

  it('omits absent optional fields (FailureDetails is persisted)', () => {
    const error = new Error('x');
    error.stack = undefined;
    expect(Object.keys(failureDetailsFrom(error))).toEqual(['errorType', 'errorMessage']);
  });
});

describe('errorFromFailureDetails', () => {
  const full: FailureDetails = {
    errorType: 'PaymentDeclinedError',
    errorMessage: 'card declined',
    stackTrace: 'PaymentDeclinedError: card declined\n    at charge (pay.ts:1:1)',
    innerFailure: { errorType: 'HttpError', errorMessage: '402', innerFailure: { errorType: 'Error', errorMessage: 'root' } },
    isNonRetriable: true,
  };

  it('builds an Error with name, message, stack, cause and isNonRetriable', () => {
    const error = errorFromFailureDetails(full);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('PaymentDeclinedError');
    expect(error.message).toBe('card declined');
    expect(error.stack).toBe(full.stackTrace);
    expect((error as Error & { isNonRetriable?: boolean }).isNonRetriable).toBe(true);
    expect(error.cause).toBeInstanceOf(Error);
    expect((error.cause as Error).name).toBe('HttpError');
    expect(((error.cause as Error).cause as Error).message).toBe('root');
    expect((error.cause as Error).stack).toBeUndefined();
  });

  it('round-trips through failureDetailsFrom', () => {
    expect(failureDetailsFrom(errorFromFailureDetails(full))).toEqual(full);
    expect(failureDetailsFrom(errorFromFailureDetails(details))).toEqual(details);
    const minimal: FailureDetails = { errorType: 'Error', errorMessage: '' };
    expect(failureDetailsFrom(errorFromFailureDetails(minimal))).toEqual(minimal);
  });

  it('round-trips a real error chain', () => {
    const original = failureDetailsFrom(new TypeError('outer', { cause: new RangeError('inner', { cause: 'text' }) }));
    expect(failureDetailsFrom(errorFromFailureDetails(original))).toEqual(original);
  });
});
