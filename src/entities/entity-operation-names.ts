import { RegistrationError } from '../core/errors/registration-error.js';
import { isDurableEntityClass } from './entity-class.js';
import { entityDispatchTable } from './entity-dispatch-table.js';

/**
 * The operations a class-based entity (a class extending `DurableEntity`) can be sent: its dispatchable methods,
 * most derived class first and in declaration order, then the built-in `delete` unless the class defines its own.
 * Operation names are matched ignoring case. `undefined` for a function-style entity, whose `run(ctx)` receives
 * every operation.
 *
 * @throws RegistrationError when a method cannot be an operation (more than one parameter, or two names that differ
 * only in case), naming it.
 *
 * @example
 * ```ts
 * entityOperationNames(Counter);   // ['add', 'reset', 'get', 'delete']
 * ```
 */
export function entityOperationNames(type: abstract new (...args: never[]) => object): readonly string[] | undefined {
  if (!isDurableEntityClass(type)) return undefined;
  const table = entityDispatchTable(type);
  if (table.problems.length > 0) {
    throw new RegistrationError(`Entity class ${type.name} cannot be dispatched: ${table.problems.join('; ')}.`);
  }
  return table.operationNames;
}
