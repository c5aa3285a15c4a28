import { DurableError } from '../core/durable-error.js';

/** How a DTO property is read from the query string. */
export interface QueryParameterSpec {
  /** The property name, in its canonical spelling (e.g. `showHistory`). */
  readonly name: string;
  /**
   * A list: the parameter may be repeated and each value may be comma-separated (`?runtimeStatus=Running,Pending`
   * and `?runtimeStatus=Running&runtimeStatus=Pending` mean the same, as in Durable Functions). A scalar parameter
   * given twice is rejected.
   */
  readonly list: boolean;
  /**
   * Free text that a client may send without percent-encoding it (Durable Functions' JavaScript client puts a
   * `reason` into the URL as is): a following `&`-separated piece that is no parameter name the route or DF knows is
   * taken as part of the text, so `?reason=a&b&taskHub=x` reads the reason `a&b`.
   */
  readonly text: boolean;
}

// Keyed by the DTO class; within it by the lower-cased name, because Durable Functions matches query keys ignoring case.
const parametersByClass = new WeakMap<object, Map<string, QueryParameterSpec>>();

/**
 * Marks a property of a query DTO as a query parameter the route accepts. Every other key in the query string is
 * rejected, so a typo (`?showHistroy=true`) or an injected key (`?runtimeStatus[$ne]=x`, `?__proto__=...`) is a `400`.
 */
export function QueryParameter(options: { list?: boolean; text?: boolean } = {}): PropertyDecorator {
  return (prototype, property) => {
    if (typeof property !== 'string') throw new DurableError('INVALID_ARGUMENT', '@QueryParameter() marks a property named by a string, not a symbol.');
    const owner = prototype.constructor;
    let parameters = parametersByClass.get(owner);
    if (parameters === undefined) {
      parameters = new Map();
      parametersByClass.set(owner, parameters);
    }
    parameters.set(property.toLowerCase(), { name: property, list: options.list === true, text: options.text === true });
  };
}

/** The query parameters a DTO class declares (its own and its base classes'), by lower-cased name. */
export function queryParametersOf(dto: object): ReadonlyMap<string, QueryParameterSpec> {
  const merged = new Map<string, QueryParameterSpec>();
  for (let owner: object | null = dto; owner !== null && owner !== Function.prototype; owner = Object.getPrototypeOf(owner) as object | null) {
    for (const [key, spec] of parametersByClass.get(owner) ?? []) if (!merged.has(key)) merged.set(key, spec);
  }
  return merged;
}
