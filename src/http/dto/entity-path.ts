import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { EntityId } from '../../core/entity-id.js';
import { invalid } from '../validate-request.js';

/** The longest entity instance ID (`@name@key`), as `EntityId` enforces. */
const MAX_ENTITY_ID_LENGTH = 256;

/**
 * An entity name as `EntityId` accepts it: 1–256 characters, no `@` (it separates name and key in the instance ID),
 * no control characters, no surrounding whitespace.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is being rejected
const ENTITY_NAME = /^(?!\s)[^@\u0000-\u001f\u007f-\u009f]{1,256}(?<!\s)$/u;
const ENTITY_NAME_MESSAGE = "$property must be 1 to 256 characters, without '@', control characters or surrounding whitespace";

/**
 * The key Durable Functions' read route (and Durably's every entity route) takes for the empty key: `/entities/Counter/$`
 * addresses the entity whose key is `''`.
 */
export const EMPTY_ENTITY_KEY_SYMBOL = '$';

/** `GET /entities/:entityName?`: the entity name to list, if any. */
export class EntityListPath {
  @IsOptional()
  @Matches(ENTITY_NAME, { message: ENTITY_NAME_MESSAGE })
  readonly entityName?: string;
}

/**
 * `/entities/:entityName/:entityKey`: one entity. The key is any string (percent-encoded in the URL); it is optional
 * on the signal and delete routes, where Durable Functions takes a missing key as the empty key.
 */
export class EntityPath {
  @Matches(ENTITY_NAME, { message: ENTITY_NAME_MESSAGE })
  readonly entityName!: string;

  @IsOptional()
  @IsString()
  @MaxLength(MAX_ENTITY_ID_LENGTH - 3, { message: '$property must be at most $constraint1 characters' })
  readonly entityKey?: string;
}

/**
 * The entity a validated {@link EntityPath} names: a missing key and `$` are the empty key.
 * @throws HttpApiError 400 `INVALID_PATH_PARAMETER` when name and key together are too long for an entity ID.
 */
export function toEntityId(path: EntityPath): EntityId {
  const key = path.entityKey === undefined || path.entityKey === EMPTY_ENTITY_KEY_SYMBOL ? '' : path.entityKey;
  if (path.entityName.length + key.length + 2 > MAX_ENTITY_ID_LENGTH) {
    const message = `entityName and entityKey together must be at most ${MAX_ENTITY_ID_LENGTH - 2} characters`;
    throw invalid('path', [{ location: 'path', field: 'entityKey', message }]);
  }
  return new EntityId(path.entityName, key);
}
