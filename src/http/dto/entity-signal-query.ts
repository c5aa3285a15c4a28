import { IsDefined, Matches } from 'class-validator';
import { QueryParameter } from '../query-parameter.js';
import { InstanceScopeQuery } from './instance-scope-query.js';
import { MESSAGES, NAME_TEXT } from './query-values.js';

/**
 * `POST /entities/:entityName/:entityKey?op=…` query. `op` is required: Durable Functions would signal an operation
 * named `''`, which Durably's client refuses (no entity could dispatch it).
 */
export class EntitySignalQuery extends InstanceScopeQuery {
  @QueryParameter()
  @IsDefined({ message: '$property is required: the name of the operation to signal, e.g. ?op=add' })
  @Matches(NAME_TEXT, { message: MESSAGES.name })
  readonly op!: string;
}
