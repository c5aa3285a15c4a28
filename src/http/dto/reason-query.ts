import { IsOptional, MaxLength } from 'class-validator';
import { QueryParameter } from '../query-parameter.js';
import { InstanceScopeQuery } from './instance-scope-query.js';

/** The longest `reason` accepted. */
export const MAX_REASON_LENGTH = 8192;

/** `POST /instances/:instanceId/{terminate|suspend|resume|rewind}` query. */
export class ReasonQuery extends InstanceScopeQuery {
  @QueryParameter({ text: true }) @IsOptional() @MaxLength(MAX_REASON_LENGTH)
  readonly reason?: string;
}
