import { DurableError } from '../durable-error.js';

/**
 * An entity received an operation it does not have. The operation fails (callers get this error's details); the
 * entity's other operations still run. Code `ENTITY_OPERATION_NOT_FOUND`.
 *
 * @example
 * ```text
 * Entity 'counter' (@counter@myCounter) has no operation 'ad'. Its operations are: add, reset, get, delete.
 * ```
 */
export class EntityOperationNotFoundError extends DurableError {
  /** The entity's instance ID, `@name@key`. */
  readonly entityInstanceId: string;
  /** The operation's name as sent. */
  readonly operationName: string;
  /** The operations the entity does have (matched ignoring case). */
  readonly availableOperations: readonly string[];

  constructor(entityName: string, entityInstanceId: string, operationName: string, availableOperations: readonly string[]) {
    super(
      'ENTITY_OPERATION_NOT_FOUND',
      `Entity '${entityName}' (${entityInstanceId}) has no operation ${JSON.stringify(operationName)}. ` +
        `Its operations are: ${availableOperations.join(', ')}. Operation names are matched to methods ignoring case; ` +
        "methods whose names start with '_' and members of DurableEntity are not operations.",
    );
    this.entityInstanceId = entityInstanceId;
    this.operationName = operationName;
    this.availableOperations = Object.freeze([...availableOperations]);
  }
}
