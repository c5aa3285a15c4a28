import { DurableEntity } from './durable-entity.js';

/** How a class-based entity's operations map to its methods. Internal: built once per class. */
export interface EntityDispatchTable {
  /** Lower-cased operation name → the method's name. */
  readonly methods: ReadonlyMap<string, string>;
  /** Whether `delete` is the built-in operation (the class defines no `delete` method, in any case). */
  readonly implicitDelete: boolean;
  /** The operation names: the methods (most derived class first, in declaration order), then a built-in `delete`. */
  readonly operationNames: readonly string[];
  /** Why some methods cannot be operations (each names the method); empty for a valid class. */
  readonly problems: readonly string[];
}

/** The built-in operation of every class-based entity that does not define its own. */
export const IMPLICIT_DELETE_OPERATION = 'delete';

// `constructor`, `state`, `context`, `initializeState`, `deleteState`: never operations, also when overridden.
const reservedNames = new Set(Object.getOwnPropertyNames(DurableEntity.prototype));

const tables = new WeakMap<object, EntityDispatchTable>();

/**
 * The dispatch table of a class extending `DurableEntity`: every method on its prototype chain below
 * `DurableEntity`, except the constructor, accessors, `DurableEntity`'s own members (also when overridden) and names
 * starting with `_`. Names are matched ignoring case; a subclass's method overrides a base method of the same name in
 * any case. Two methods of one class whose names differ only in case, and methods declaring more than one parameter,
 * are reported in `problems`.
 */
export function entityDispatchTable(type: abstract new (...args: never[]) => object): EntityDispatchTable {
  const cached = tables.get(type);
  if (cached !== undefined) return cached;

  const methods = new Map<string, string>();
  // Keys taken by a more derived class (by a method, valid or not, an accessor or a field): base members are hidden.
  const claimed = new Set<string>();
  const problems: string[] = [];
  const className = type.name === '' ? '<anonymous class>' : type.name;
  for (
    let proto: unknown = type.prototype;
    typeof proto === 'object' && proto !== null && proto !== DurableEntity.prototype && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    const owner = (proto as { constructor?: { name?: string } }).constructor?.name ?? className;
    const levelMethods = new Map<string, string>();
    const levelKeys = new Set<string>();
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (reservedNames.has(name) || name.startsWith('_')) continue;
      const key = name.toLowerCase();
      levelKeys.add(key);
      // An accessor or a data field hides a base method of that name, as it would in a method call.
      if (typeof Object.getOwnPropertyDescriptor(proto, name)?.value !== 'function') continue;
      const sibling = levelMethods.get(key);
      if (sibling === undefined) {
        levelMethods.set(key, name);
        continue;
      }
      problems.push(
        `methods '${sibling}' and '${name}' of ${owner} differ only in case, so operation '${key}' is ambiguous ` +
          '(operation names are matched ignoring case): rename one of them',
      );
    }
    for (const [key, name] of levelMethods) {
      if (claimed.has(key)) continue; // overridden by a subclass
      const method = (proto as Record<string, (...args: unknown[]) => unknown>)[name] as (...args: unknown[]) => unknown;
      if (method.length > 1) {
        problems.push(
          `method '${name}' of ${owner} declares ${method.length} parameters, but an operation takes at most one (its input): ` +
            `pass one object instead (e.g. ${name}({ a, b })), or — if it is not an operation — make it #private or start its name with '_'`,
        );
        continue;
      }
      methods.set(key, name);
    }
    for (const key of levelKeys) claimed.add(key);
  }

  const implicitDelete = !claimed.has(IMPLICIT_DELETE_OPERATION);
  const table: EntityDispatchTable = Object.freeze({
    methods,
    implicitDelete,
    operationNames: Object.freeze([...methods.values(), ...(implicitDelete ? [IMPLICIT_DELETE_OPERATION] : [])]),
    problems: Object.freeze(problems),
  });
  tables.set(type, table);
  return table;
}
