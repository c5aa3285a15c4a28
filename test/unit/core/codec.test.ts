import { describe, expect, it } from '@jest/globals';
import { Buffer } from 'node:buffer';
import { decodePayload, encodePayload, MAX_PAYLOAD_DEPTH, payloadSize } from '../../../src/core/codec.js';
import { DurableError } from '../../../src/core/durable-error.js';
import { InvalidPayloadError } from '../../../src/core/errors/index.js';

const roundTrip = <T>(value: T): unknown => decodePayload(encodePayload(value, 'input'));

function rejection(value: unknown, what = 'input'): InvalidPayloadError {
  try {
    encodePayload(value, what);
  } catch (error) {
    if (error instanceof InvalidPayloadError) return error;
    throw error;
  }
  throw new Error('expected encodePayload to reject the value');
}

function decodeRejection(encoded: string): InvalidPayloadError {
  try {
    decodePayload(encoded);
  } catch (error) {
    if (error instanceof InvalidPayloadError) return error;
    throw error;
  }
  throw new Error('expected decodePayload to reject the payload');
}

describe('encodePayload / decodePayload round-trips', () => {
  it.each<[string, unknown]>([
    ['null', null],
    ['true', true],
    ['false', false],
    ['zero', 0],
    ['a negative float', -12.5],
    ['the largest safe integer', Number.MAX_SAFE_INTEGER],
    ['an empty string', ''],
    ['unicode text', 'héllo wörld — 日本語 🎉 \u0000 "quoted" \\ back'],
    ['a lone surrogate', '\ud800x'],
    ['an empty array', []],
    ['an empty object', {}],
    ['a string starting with $', '$5.00'],
    ['nested plain JSON', { a: [1, 'two', { three: [true, null] }], b: { c: { d: 'e' } } }],
  ])('%s', (_label, value) => {
    expect(roundTrip(value)).toEqual(value);
  });

  it('undefined is "no payload"', () => {
    expect(encodePayload(undefined, 'input')).toBeUndefined();
    expect(decodePayload(undefined)).toBeUndefined();
  });

  it('plain JSON is stored as ordinary JSON text', () => {
    expect(encodePayload({ a: 1, b: ['x', null] }, 'input')).toBe('{"a":1,"b":["x",null]}');
    expect(encodePayload('text', 'input')).toBe('"text"');
  });

  it('Dates, nested in arrays and objects', () => {
    const value = {
      at: new Date('2024-01-02T03:04:05.006Z'),
      list: [new Date(0), { deeper: [new Date(-1)] }],
    };
    const decoded = roundTrip(value) as typeof value;
    expect(decoded).toEqual(value);
    expect(decoded.at).toBeInstanceOf(Date);
    expect(encodePayload(new Date(0), 'input')).toBe('{"$date":"1970-01-01T00:00:00.000Z"}');
  });

  it('bigint', () => {
    const value = { small: 1n, big: 12345678901234567890123456789n, negative: -42n, zero: 0n };
    expect(roundTrip(value)).toEqual(value);
    expect(encodePayload(123n, 'input')).toBe('{"$bigint":"123"}');
  });

  it('Uint8Array and Buffer, including views into a larger buffer', () => {
    const bytes = new Uint8Array([0, 1, 2, 254, 255]);
    expect(encodePayload(bytes, 'input')).toBe('{"$binary":"AAEC/v8="}');
    expect(roundTrip(bytes)).toEqual(bytes);
    expect(roundTrip(new Uint8Array(0))).toEqual(new Uint8Array(0));

    const decodedBuffer = roundTrip({ b: Buffer.from('hello') }) as { b: Uint8Array };
    expect(Buffer.from(decodedBuffer.b).toString()).toBe('hello');
    expect(decodedBuffer.b.constructor).toBe(Uint8Array);

    const view = new Uint8Array(new Uint8Array([9, 8, 7, 6, 5]).buffer, 1, 3);
    expect(roundTrip(view)).toEqual(new Uint8Array([8, 7, 6]));
  });

  it('non-finite numbers; -0 becomes 0', () => {
    const value = [NaN, Infinity, -Infinity, { n: NaN }];
    expect(roundTrip(value)).toEqual(value);
    expect(encodePayload(NaN, 'input')).toBe('{"$number":"NaN"}');
    expect(encodePayload(-Infinity, 'input')).toBe('{"$number":"-Infinity"}');
    expect(Object.is(roundTrip(-0), 0)).toBe(true);
  });

  it('keys starting with $, including tag names and already-doubled keys', () => {
    const value = {
      $date: 'not a date',
      $bigint: 'x',
      $binary: 1,
      $number: 'NaN',
      $$x: 'two dollars',
      $: 'just a dollar',
      a$: 'dollar later',
      nested: [{ $in: [1, 2], $where: 'x', $eq: new Date(5) }],
    };
    const encoded = encodePayload(value, 'input');
    expect(encoded).toContain('"$$date":"not a date"');
    expect(encoded).toContain('"$$$x":"two dollars"');
    expect(encoded).toContain('"$$":"just a dollar"');
    expect(encoded).toContain('"a$":"dollar later"');
    expect(roundTrip(value)).toEqual(value);
    expect(roundTrip({ $date: '2024-01-01T00:00:00.000Z' })).toEqual({ $date: '2024-01-01T00:00:00.000Z' });
  });

  it('keeps key order, also when keys are escaped', () => {
    const decoded = roundTrip({ z: 1, $a: 2, m: new Date(0), b: 3 }) as Record<string, unknown>;
    expect(Object.keys(decoded)).toEqual(['z', '$a', 'm', 'b']);
  });

  it('__proto__ as an own key stays data and never becomes a prototype', () => {
    const value = JSON.parse('{"__proto__":{"polluted":true},"$k":1}') as Record<string, unknown>;
    const decoded = roundTrip(value) as Record<string, unknown>;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.keys(decoded)).toEqual(['__proto__', '$k']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const withDate = JSON.parse('{"__proto__":{"at":null}}') as Record<string, { at: unknown }>;
    (withDate.__proto__ as { at: unknown }).at = new Date(0);
    const decodedWithDate = roundTrip(withDate) as Record<string, unknown>;
    expect(Object.getOwnPropertyDescriptor(decodedWithDate, '__proto__')?.value).toEqual({ at: new Date(0) });
  });

  it('null-prototype objects are plain objects', () => {
    const value = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1, when: new Date(0) });
    expect(roundTrip(value)).toEqual({ a: 1, when: new Date(0) });
  });

  it('undefined: omitted from objects, null in arrays; holes become null; extra array properties are ignored', () => {
    expect(roundTrip({ a: undefined, b: 1 })).toEqual({ b: 1 });
    expect(Object.keys(roundTrip({ a: undefined, b: new Date(0) }) as object)).toEqual(['b']);
    expect(roundTrip([1, undefined, 3])).toEqual([1, null, 3]);
    // eslint-disable-next-line no-sparse-arrays
    expect(roundTrip([1, , 3])).toEqual([1, null, 3]);
    // eslint-disable-next-line no-sparse-arrays
    expect(roundTrip([new Date(0), , 3])).toEqual([new Date(0), null, 3]);
    const withExtra = Object.assign([1, 2], { extra: 'ignored' });
    expect(encodePayload(withExtra, 'input')).toBe('[1,2]');
    expect(encodePayload({ [Symbol('s')]: 1, a: 1 }, 'input')).toBe('{"a":1}');
  });

  it('a shared (non-circular) reference is stored twice and is not a cycle', () => {
    const shared = { id: 1, at: new Date(0) };
    const value = { first: shared, second: shared, list: [shared, shared] };
    const decoded = roundTrip(value) as typeof value;
    expect(decoded).toEqual(value);
    expect(decoded.first).not.toBe(decoded.second);
  });

  it(`deep nesting up to ${MAX_PAYLOAD_DEPTH} levels`, () => {
    let value: unknown = { leaf: new Date(0), $k: 1 };
    for (let i = 1; i < MAX_PAYLOAD_DEPTH; i++) value = i % 2 === 0 ? { child: value } : [value];
    expect(roundTrip(value)).toEqual(value);
  });
});

describe('encodePayload rejections name the exact path', () => {
  class Point {
    constructor(readonly x: number) {}
  }

  it.each<[string, unknown, string, RegExp]>([
    ['a function at the root', () => 1, 'input', /^functions cannot cross the durable boundary \(pass data, not behaviour\)$/],
    ['a function inside', { items: [0, 1, { callback: () => 1 }] }, 'input.items[2].callback', /functions cannot cross/],
    ['a class (a function)', { type: Point }, 'input.type', /functions cannot cross/],
    ['a symbol', { a: { b: Symbol('s') } }, 'input.a.b', /symbols cannot cross/],
    ['a Map', { m: new Map([[1, 2]]) }, 'input.m', /instance of Map: .*Object\.fromEntries\(map\) for a Map, \[\.\.\.set\] for a Set/],
    ['a Set', [new Set([1])], 'input[0]', /instance of Set: convert it to a plain object or array first/],
    ['a class instance', { p: new Point(1) }, 'input.p', /instance of Point/],
    ['another typed array', { f: new Float64Array(2) }, 'input.f', /instance of Float64Array/],
    ['an object with a custom prototype', { o: Object.create({ inherited: 1 }) as object }, 'input.o', /an object with a custom prototype/],
    ['a WeakMap', { w: new WeakMap() }, 'input.w', /a WeakMap/],
    ['a WeakSet', { w: new WeakSet() }, 'input.w', /a WeakSet/],
    ['a Promise', { p: Promise.resolve(1) }, 'input.p', /^a Promise: await it first$/],
    ['an Error', { e: new TypeError('x') }, 'input.e', /^an Error: store its message\/FailureDetails instead/],
    ['a DurableError', [new DurableError('INVALID_ARGUMENT', 'x')], 'input[0]', /an Error/],
    ['an invalid Date', { at: new Date('nope') }, 'input.at', /invalid Date/],
    ['an awkward key', { 'a b': { 'x.y': [() => 1] } }, 'input["a b"]["x.y"][0]', /functions/],
  ])('%s', (_label, value, path, reason) => {
    const error = rejection(value);
    expect(error.path).toBe(path);
    expect(error.reason).toMatch(reason);
    expect(error.code).toBe('INVALID_PAYLOAD');
    expect(error.message).toBe(`Cannot store ${path}: ${error.reason}.`);
  });

  it('uses the given name for the root', () => {
    expect(rejection({ f: () => 1 }, 'customStatus').path).toBe('customStatus.f');
    expect(rejection({ items: [1, 2, { callback: (): void => undefined }] }).message).toBe(
      'Cannot store input.items[2].callback: functions cannot cross the durable boundary (pass data, not behaviour).',
    );
  });

  it('a circular reference names where the cycle starts', () => {
    const root: Record<string, unknown> = { a: { b: {} } };
    ((root.a as Record<string, unknown>).b as Record<string, unknown>).back = root.a;
    const error = rejection(root);
    expect(error.path).toBe('input.a.b.back');
    expect(error.reason).toBe('circular reference to input.a');

    const selfArray: unknown[] = [1];
    selfArray.push(selfArray);
    expect(rejection(selfArray).reason).toBe('circular reference to input');
    expect(rejection(selfArray).path).toBe('input[1]');
  });

  it(`rejects nesting deeper than ${MAX_PAYLOAD_DEPTH} levels`, () => {
    let value: unknown = 1;
    for (let i = 0; i <= MAX_PAYLOAD_DEPTH; i++) value = [value];
    expect(rejection(value).reason).toMatch(/nested more than/);
  });
});

describe('decodePayload rejects malformed payloads', () => {
  it.each<[string, string, RegExp]>([
    ['{not json', '<stored payload>', /^not valid JSON/],
    ['{"a":{"$date":"nope"}}', '<stored payload>.a', /not a valid \$date/],
    ['[{"$bigint":"1.5"}]', '<stored payload>[0]', /not a valid \$bigint/],
    ['{"$binary":"***"}', '<stored payload>', /not base64/],
    ['{"$number":"1"}', '<stored payload>', /not a valid \$number/],
    ['{"$date":1}', '<stored payload>', /must hold a string/],
    ['{"$map":"x"}', '<stored payload>', /unknown type tag '\$map'/],
    ['{"$date":"2024-01-01T00:00:00Z","b":1}', '<stored payload>', /single leading \$ is a type tag/],
    ['{"$$k":{"$oops":"x"}}', '<stored payload>.$k', /unknown type tag/],
    ['{"\\u0024date":"nope"}', '<stored payload>', /not a valid \$date/],
  ])('%s', (encoded, path, reason) => {
    const error = decodeRejection(encoded);
    expect(error.path).toBe(path);
    expect(error.reason).toMatch(reason);
    expect(error.message.startsWith(`Cannot decode ${path}: `)).toBe(true);
  });
});

describe('payloadSize', () => {
  it('counts UTF-8 bytes of the stored text', () => {
    expect(payloadSize(undefined)).toBe(0);
    expect(payloadSize(encodePayload('abc', 'input'))).toBe(5);
    expect(payloadSize(encodePayload('é', 'input'))).toBe(4);
    expect(payloadSize(encodePayload('🎉', 'input'))).toBe(6);
  });
});

describe('performance sanity', () => {
  const plain = Array.from({ length: 10_000 }, (_, i) => ({ id: i, name: `item-${i}`, tags: ['a', 'b'], done: i % 2 === 0 }));
  const tagged = plain.map((item) => ({ ...item, at: new Date(item.id), $meta: { n: BigInt(item.id) } }));

  it.each([
    ['plain JSON', plain],
    ['with Dates, bigints and $ keys', tagged],
  ])('encodes and decodes 10,000 small objects (%s)', (label, value) => {
    const started = process.hrtime.bigint();
    let decoded: unknown;
    const rounds = 20;
    for (let i = 0; i < rounds; i++) decoded = decodePayload(encodePayload(value, 'input'));
    const perRoundMs = Number(process.hrtime.bigint() - started) / 1e6 / rounds;
    expect(decoded).toEqual(value);
    if (process.env.CODEC_TIMINGS) console.log(`codec round trip, 10k objects, ${label}: ${perRoundMs.toFixed(2)} ms`);
  });
});
