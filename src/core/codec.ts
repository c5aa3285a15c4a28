/**
 * The one codec for every value that crosses the durable boundary: orchestration and activity inputs and outputs,
 * event data, custom status, entity state. A value is encoded once, when it is recorded, and stored in MongoDB as a
 * **string** — so user data can never be read as a query operator and never hits MongoDB's rules for field names
 * (`$` prefixes, dots, `__proto__`).
 *
 * The string is JSON. Values JSON has no spelling for are written as single-key *tagged* objects:
 *
 * | Value                                   | Stored as                                   | Decoded as                  |
 * | --------------------------------------- | ------------------------------------------- | --------------------------- |
 * | string, boolean, null, finite number    | itself                                      | itself (`-0` becomes `0`)   |
 * | `NaN`, `Infinity`, `-Infinity`          | `{"$number":"NaN"}` (`"Infinity"`, ...)     | the same number             |
 * | bigint                                  | `{"$bigint":"123"}`                         | bigint                      |
 * | `Date` (valid)                          | `{"$date":"2024-01-02T03:04:05.006Z"}`      | `Date`                      |
 * | `Uint8Array`, `Buffer`                  | `{"$binary":"<base64>"}`                    | `Uint8Array`                |
 * | array                                   | array; holes and `undefined` → `null`       | array                       |
 * | plain object (`{}` or null prototype)   | object; `undefined` properties omitted      | plain object                |
 * | `undefined` at the top level            | no payload (`undefined`)                    | `undefined`                 |
 *
 * **Escaping rule.** A plain-object key that starts with `$` is stored with one more `$` in front (`$x` → `$$x`,
 * `$$x` → `$$$x`), and decoding removes one. A stored key with a single leading `$` is therefore always a type tag,
 * and a user object such as `{ $date: 'x' }` round-trips as itself.
 *
 * **Rejected**, with an {@link InvalidPayloadError} naming the exact path (`input.items[2].callback`): functions,
 * symbols, circular references, Promises, Errors, WeakMap/WeakSet, invalid Dates, class instances other than `Date`
 * and `Uint8Array`/`Buffer` (including `Map`, `Set`, other typed arrays), and values nested deeper than
 * {@link MAX_PAYLOAD_DEPTH}. The same object referenced twice (without a cycle) is fine: it is stored twice and
 * decodes as two equal copies. Symbol-keyed and non-enumerable properties, and extra properties on arrays, are ignored
 * (as `JSON.stringify` does).
 *
 * Performance: encoding is one walk that validates and copies only what must change (tagged values, `$` keys), then a
 * single `JSON.stringify` with no replacer; plain JSON data is not copied at all. Decoding is one `JSON.parse` with no
 * reviver, plus a walk only when the text contains a `$` at the start of a string.
 *
 * See `docs/codec.md` for the user-facing description.
 *
 * @module
 */
import { Buffer } from 'node:buffer';
import { types } from 'node:util';
import { InvalidPayloadError, STORED_PAYLOAD } from './errors/invalid-payload-error.js';

/** A payload after the codec: a string, or undefined for "no value". */
export type EncodedPayload = string | undefined;

/** Deepest nesting of arrays and objects accepted, so that a runaway structure fails cleanly instead of overflowing the stack. */
export const MAX_PAYLOAD_DEPTH = 1000;

const DOLLAR = 36; // '$'
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const BIGINT_TEXT = /^-?\d+$/;
const BASE64_TEXT = /^[A-Za-z0-9+/]*={0,2}$/;
// A string (key or value) starting with '$', literally or JSON-escaped. One regex scan is ~6x faster than two includes().
const MAY_NEED_DECODING = /"(?:\$|\\u0024)/;

const REASON = {
  function: 'functions cannot cross the durable boundary (pass data, not behaviour)',
  symbol: 'symbols cannot cross the durable boundary (use a string instead)',
  promise: 'a Promise: await it first',
  error: 'an Error: store its message/FailureDetails instead (see failureDetailsFrom)',
  weak: (kind: string): string => `a ${kind}: its entries cannot be enumerated, so it cannot be stored`,
  invalidDate: 'an invalid Date (its time is NaN)',
  tooDeep: `nested more than ${MAX_PAYLOAD_DEPTH} levels deep`,
  instance: (kind: string): string =>
    `${kind}: convert it to a plain object or array first (e.g. Object.fromEntries(map) for a Map, [...set] for a Set); ` +
    'only plain objects, arrays, Date and Uint8Array/Buffer can cross the durable boundary',
} as const;

/**
 * Encodes a value for storage (see the module documentation for the encoding).
 *
 * @param value - Any supported value; `undefined` means "no payload".
 * @param what - How to name the value in errors, e.g. `input`: paths in errors start with it (`input.items[2]`).
 * @returns JSON text, or `undefined` for `undefined`.
 * @throws {@link InvalidPayloadError} when the value, or anything inside it, cannot cross the durable boundary.
 *
 * @example
 * ```ts
 * encodePayload({ at: new Date(0), n: 1n }, 'input'); // '{"at":{"$date":"1970-01-01T00:00:00.000Z"},"n":{"$bigint":"1"}}'
 * encodePayload({ run: () => 1 }, 'input');           // throws: Cannot store input.run: functions cannot cross ...
 * ```
 */
export function encodePayload(value: unknown, what: string): EncodedPayload {
  if (value === undefined) return undefined;
  return JSON.stringify(new Encoder(what).value(value, 0));
}

/**
 * Decodes what {@link encodePayload} produced.
 *
 * @returns the value, or `undefined` for `undefined`. The type parameter is not checked: validate untrusted data.
 * @throws {@link InvalidPayloadError} (path `<stored payload>...`) when the text is not valid JSON or holds a malformed
 *   or unknown type tag.
 */
export function decodePayload<T = unknown>(encoded: EncodedPayload): T {
  if (encoded === undefined) return undefined as T;
  let parsed: unknown;
  try {
    parsed = JSON.parse(encoded);
  } catch (error) {
    throw new InvalidPayloadError(STORED_PAYLOAD, `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  // Tags and escaped keys are strings that start with '$': text without one decodes as plain JSON (the common case).
  if (!MAY_NEED_DECODING.test(encoded)) return parsed as T;
  return new Decoder().value(parsed, 0) as T;
}

/** The size of an encoded payload in UTF-8 bytes, as stored (0 for `undefined`). */
export function payloadSize(encoded: EncodedPayload): number {
  return encoded === undefined ? 0 : Buffer.byteLength(encoded, 'utf8');
}

/** Path segments: a number is an array index, a string a property name. */
type Segment = string | number;

function formatPath(root: string, segments: readonly Segment[], length: number): string {
  let path = root;
  for (let i = 0; i < length; i++) {
    const segment = segments[i];
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (segment !== undefined) path += IDENTIFIER.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
  }
  return path;
}

/**
 * One encoding walk. `value()` returns its argument itself when it needs no change, so unchanged subtrees are handed
 * to `JSON.stringify` as they are and only containers on the way to a changed value are copied.
 */
class Encoder {
  readonly #root: string;
  // The arrays and objects being visited, by depth: a value equal to one of them is a cycle, not a shared reference.
  readonly #ancestors: object[] = [];
  // #segments[d] is the key of the child being visited inside #ancestors[d]; only read to build an error's path.
  readonly #segments: Segment[] = [];

  constructor(root: string) {
    this.#root = root;
  }

  value(value: unknown, depth: number): unknown {
    switch (typeof value) {
      case 'string':
      case 'boolean':
      case 'undefined':
        return value;
      case 'number':
        return Number.isFinite(value) ? value : { $number: String(value) };
      case 'bigint':
        return { $bigint: value.toString() };
      case 'object':
        return value === null ? null : this.#object(value, depth);
      case 'function':
        throw this.#fail(depth, REASON.function);
      default:
        throw this.#fail(depth, REASON.symbol);
    }
  }

  #object(value: object, depth: number): unknown {
    if (Array.isArray(value)) return this.#array(value as readonly unknown[], depth);
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) return this.#plain(value as Record<string, unknown>, depth);
    // node:util's checks, unlike instanceof, also recognise values from other realms (vm contexts, jest).
    if (types.isDate(value)) {
      if (Number.isNaN(value.getTime())) throw this.#fail(depth, REASON.invalidDate);
      return { $date: value.toISOString() };
    }
    if (types.isUint8Array(value)) {
      return { $binary: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
    }
    if (types.isPromise(value)) throw this.#fail(depth, REASON.promise);
    if (value instanceof Error || types.isNativeError(value)) throw this.#fail(depth, REASON.error);
    if (types.isWeakMap(value)) throw this.#fail(depth, REASON.weak('WeakMap'));
    if (types.isWeakSet(value)) throw this.#fail(depth, REASON.weak('WeakSet'));
    if (isForeignObjectPrototype(proto)) return this.#plain(value as Record<string, unknown>, depth);
    throw this.#fail(depth, REASON.instance(describeInstance(proto)));
  }

  #array(value: readonly unknown[], depth: number): unknown {
    this.#enter(value, depth);
    let copy: unknown[] | undefined;
    const length = value.length;
    for (let i = 0; i < length; i++) {
      const item = value[i];
      this.#segments[depth] = i;
      const encoded = this.value(item, depth + 1);
      if (copy === undefined) {
        if (encoded === item) continue;
        copy = value.slice(0, i);
      }
      // Holes and undefined become null in JSON, as they would without a copy.
      copy.push(encoded);
    }
    return copy ?? value;
  }

  #plain(value: Record<string, unknown>, depth: number): unknown {
    this.#enter(value, depth);
    const keys = Object.keys(value);
    let copy: Record<string, unknown> | undefined;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const item = value[key];
      this.#segments[depth] = key;
      const encoded = this.value(item, depth + 1);
      const escape = key.charCodeAt(0) === DOLLAR;
      if (copy === undefined) {
        if (encoded === item && !escape) continue;
        // An ordinary object, not Object.create(null): V8 stringifies dictionary-mode objects markedly slower.
        copy = {};
        for (let j = 0; j < i; j++) {
          const earlier = keys[j] as string;
          setOwn(copy, earlier, value[earlier]);
        }
      }
      if (encoded !== undefined) setOwn(copy, escape ? `$${key}` : key, encoded);
    }
    return copy ?? value;
  }

  #enter(value: object, depth: number): void {
    if (depth >= MAX_PAYLOAD_DEPTH) throw this.#fail(depth, REASON.tooDeep);
    const ancestors = this.#ancestors;
    for (let d = 0; d < depth; d++) {
      if (ancestors[d] === value) {
        throw this.#fail(depth, `circular reference to ${formatPath(this.#root, this.#segments, d)}`);
      }
    }
    ancestors[depth] = value;
  }

  #fail(depth: number, reason: string): InvalidPayloadError {
    return new InvalidPayloadError(formatPath(this.#root, this.#segments, depth), reason);
  }
}

/** The inverse walk, over a tree fresh from `JSON.parse` (so it may be changed in place). */
class Decoder {
  readonly #segments: Segment[] = [];

  value(value: unknown, depth: number): unknown {
    if (typeof value !== 'object' || value === null) return value;
    if (depth > MAX_PAYLOAD_DEPTH) throw this.#fail(depth, REASON.tooDeep);
    if (Array.isArray(value)) {
      const array = value as unknown[];
      for (let i = 0; i < array.length; i++) {
        const item = array[i];
        this.#segments[depth] = i;
        const decoded = this.value(item, depth + 1);
        if (decoded !== item) array[i] = decoded;
      }
      return array;
    }
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object);
    let escaped = false;
    for (const key of keys) {
      if (key.charCodeAt(0) !== DOLLAR) continue;
      if (key.charCodeAt(1) === DOLLAR) {
        escaped = true;
        continue;
      }
      if (keys.length === 1) return this.#tag(key, object[key], depth);
      throw this.#fail(depth, `unexpected key '${key}' (a key with a single leading $ is a type tag and must be alone)`);
    }
    if (!escaped) {
      for (const key of keys) {
        const item = object[key];
        this.#segments[depth] = key;
        const decoded = this.value(item, depth + 1);
        // An own '__proto__' data property (JSON.parse creates one) shadows the accessor, so this assignment is safe.
        if (decoded !== item) object[key] = decoded;
      }
      return object;
    }
    // Keys change, so rebuild to keep their order.
    const copy: Record<string, unknown> = {};
    for (const key of keys) {
      const name = key.charCodeAt(0) === DOLLAR ? key.slice(1) : key;
      this.#segments[depth] = name;
      setOwn(copy, name, this.value(object[key], depth + 1));
    }
    return copy;
  }

  #tag(tag: string, text: unknown, depth: number): unknown {
    if (typeof text !== 'string') throw this.#fail(depth, `type tag '${tag}' must hold a string`);
    switch (tag) {
      case '$date': {
        const date = new Date(text);
        if (Number.isNaN(date.getTime())) throw this.#fail(depth, `'${text}' is not a valid $date`);
        return date;
      }
      case '$bigint':
        if (!BIGINT_TEXT.test(text)) throw this.#fail(depth, `'${text}' is not a valid $bigint`);
        return BigInt(text);
      case '$binary':
        if (!BASE64_TEXT.test(text)) throw this.#fail(depth, 'the $binary value is not base64');
        // Copied into a Uint8Array of its own: Buffer.from may return a view into a shared pool.
        return new Uint8Array(Buffer.from(text, 'base64'));
      case '$number':
        if (text === 'NaN') return NaN;
        if (text === 'Infinity') return Infinity;
        if (text === '-Infinity') return -Infinity;
        throw this.#fail(depth, `'${text}' is not a valid $number`);
      default:
        throw this.#fail(depth, `unknown type tag '${tag}'`);
    }
  }

  #fail(depth: number, reason: string): InvalidPayloadError {
    return new InvalidPayloadError(formatPath(STORED_PAYLOAD, this.#segments, depth), reason);
  }
}

/** Sets an own, enumerable data property; plain assignment of '__proto__' would set the prototype instead. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

// A plain object from another realm has a prototype that is some realm's Object.prototype.
function isForeignObjectPrototype(proto: unknown): boolean {
  if (typeof proto !== 'object' || proto === null || Object.getPrototypeOf(proto) !== null) return false;
  const ctor: unknown = (proto as { constructor?: unknown }).constructor;
  return typeof ctor === 'function' && ctor.name === 'Object';
}

function describeInstance(proto: unknown): string {
  const ctor: unknown = typeof proto === 'object' && proto !== null ? (proto as { constructor?: unknown }).constructor : undefined;
  return typeof ctor === 'function' && ctor !== Object && ctor.name !== '' ? `an instance of ${ctor.name}` : 'an object with a custom prototype';
}
