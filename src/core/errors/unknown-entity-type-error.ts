import { DurableError } from '../durable-error.js';

/**
 * An entity route of the admin router named an entity type that is not registered with the app. Code
 * `UNKNOWN_ENTITY_TYPE`; answered with {@link UnknownEntityTypeError.status} (`400`, or `404` with the option
 * `statusCodes.unknownEntityType: 404`). Internal to the router: it never reaches the caller of `createAdminRouter`.
 */
export class UnknownEntityTypeError extends DurableError {
  /** The entity name as the request spelled it. */
  readonly entityName: string;
  /** The HTTP status to answer with. */
  readonly status: 400 | 404;

  constructor(entityName: string, status: 400 | 404, registered: Iterable<string>) {
    const names = [...registered];
    super(
      'UNKNOWN_ENTITY_TYPE',
      `No entity is registered under the name '${entityName}' (names are compared ignoring case). ` +
        (names.length === 0 ? 'This app registers no entities.' : `Registered entities: ${names.join(', ')}.`),
    );
    this.entityName = entityName;
    this.status = status;
  }
}
