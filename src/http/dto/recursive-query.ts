import { IsOptional, Matches } from 'class-validator';
import { QueryParameter } from '../query-parameter.js';
import { InstanceScopeQuery } from './instance-scope-query.js';
import { BOOLEAN_TEXT, MESSAGES, toBoolean } from './query-values.js';
import { ReasonQuery } from './reason-query.js';

/**
 * `POST /instances/:instanceId/terminate` query: `reason`, and `recursive` (`true` or `false`, default `true`) —
 * whether the instance's running sub-orchestrations are terminated with it. Durable Functions' own route has no
 * `recursive`; the name and meaning are the Durable Task SDKs' (`TerminateInstanceOptions.Recursive`).
 */
export class TerminateQuery extends ReasonQuery {
  @QueryParameter() @IsOptional() @Matches(BOOLEAN_TEXT, { message: MESSAGES.boolean })
  readonly recursive?: string;
}

/**
 * `DELETE /instances/:instanceId` query: `recursive` (`true` or `false`, default `true`) — whether the instance's
 * finished sub-orchestrations are purged with it (the Durable Task SDKs' `PurgeInstanceOptions.Recursive`).
 */
export class PurgeInstanceQuery extends InstanceScopeQuery {
  @QueryParameter() @IsOptional() @Matches(BOOLEAN_TEXT, { message: MESSAGES.boolean })
  readonly recursive?: string;
}

/** The validated `recursive` parameter: `true` when absent (the client's default). */
export function toRecursive(query: TerminateQuery | PurgeInstanceQuery): boolean {
  return toBoolean(query.recursive, true);
}
