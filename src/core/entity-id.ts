import { DurableError } from './durable-error.js';

/**
 * Names one entity: its `name` (the registered entity name; compared ignoring case) and its `key` (case-sensitive).
 * Its instance ID is `@name@key` with the name in lower case, as in Durable Functions.
 *
 * @example
 * ```ts
 * const counter = new EntityId('Counter', 'myCounter');
 * await durably.client.signalEntity(counter, 'add', 1);
 * counter.instanceId;   // '@counter@myCounter'
 * ```
 */
export class EntityId {
  /** The entity name as given (lower-cased in the instance ID). */
  readonly name: string;
  readonly key: string;

  /** @throws DurableError `INVALID_ENTITY_ID` for an empty name, a name containing `@`, or a key that is not a string. */
  constructor(name: string, key: string) {
    if (typeof name !== 'string' || name.length === 0 || name.includes('@') || name.trim() !== name) {
      throw new DurableError('INVALID_ENTITY_ID', `An entity name must be a non-empty string without '@' or surrounding whitespace, got ${JSON.stringify(name)}.`);
    }
    if (typeof key !== 'string') throw new DurableError('INVALID_ENTITY_ID', `An entity key must be a string, got ${typeof key}.`);
    if (name.length + key.length + 2 > 256) throw new DurableError('INVALID_ENTITY_ID', `Entity ID '@${name}@${key}' is longer than 256 characters.`);
    this.name = name;
    this.key = key;
  }

  /** `@name@key`, the name lower-cased: the entity's instance ID in storage and in histories. */
  get instanceId(): string {
    return `@${this.name.toLowerCase()}@${this.key}`;
  }

  /** Whether an instance ID names an entity (`@name@key`). */
  static isEntityInstanceId(instanceId: string): boolean {
    return instanceId.startsWith('@') && instanceId.indexOf('@', 1) > 1;
  }

  /**
   * The entity named by an instance ID (its name comes back lower-cased).
   * @throws DurableError `INVALID_ENTITY_ID` when `instanceId` is not `@name@key`.
   */
  static fromInstanceId(instanceId: string): EntityId {
    const at = instanceId.indexOf('@', 1);
    if (!instanceId.startsWith('@') || at <= 1) throw new DurableError('INVALID_ENTITY_ID', `'${instanceId}' is not an entity instance ID ('@name@key').`);
    return new EntityId(instanceId.slice(1, at), instanceId.slice(at + 1));
  }

  /** `@name@key` (the instance ID). */
  toString(): string {
    return this.instanceId;
  }
}
