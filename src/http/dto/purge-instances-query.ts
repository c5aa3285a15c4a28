import { IsDefined, IsIn, IsISO8601, IsOptional, ValidateIf } from 'class-validator';
import type { PurgeInstancesFilter } from '../../client/purge-instances.js';
import type { RuntimeStatus } from '../../ports/instance-store.js';
import { QueryParameter } from '../query-parameter.js';
import { InstanceScopeQuery } from './instance-scope-query.js';
import { ISO_DATE_OPTIONS, MESSAGES, RUNTIME_STATUSES, toUtcDate } from './query-values.js';

/**
 * `DELETE /instances` query: `createdTimeFrom` is required, as in Durable Functions — unless a completion-time bound
 * (`completedTimeFrom`, `completedTimeTo`) is given instead.
 */
export class PurgeInstancesQuery extends InstanceScopeQuery {
  @QueryParameter()
  @ValidateIf((query: PurgeInstancesQuery) => query.createdTimeFrom !== undefined || (query.completedTimeFrom === undefined && query.completedTimeTo === undefined))
  @IsDefined({ message: '$property is required: purging by filter needs a creation-time range (or completedTimeFrom / completedTimeTo)' })
  @IsISO8601(ISO_DATE_OPTIONS, { message: MESSAGES.date })
  readonly createdTimeFrom?: string;

  @QueryParameter() @IsOptional() @IsISO8601(ISO_DATE_OPTIONS, { message: MESSAGES.date })
  readonly createdTimeTo?: string;

  @QueryParameter() @IsOptional() @IsISO8601(ISO_DATE_OPTIONS, { message: MESSAGES.date })
  readonly completedTimeFrom?: string;

  @QueryParameter() @IsOptional() @IsISO8601(ISO_DATE_OPTIONS, { message: MESSAGES.date })
  readonly completedTimeTo?: string;

  @QueryParameter({ list: true }) @IsOptional() @IsIn(RUNTIME_STATUSES, { each: true, message: MESSAGES.runtimeStatus })
  readonly runtimeStatus?: string[];
}

/**
 * The client's purge filter for a validated query. With `createdTimeFrom`, `createdTimeTo` defaults to now, as in
 * Durable Functions; the completion-time bounds have no default.
 */
export function toPurgeFilter(query: PurgeInstancesQuery, now: Date): PurgeInstancesFilter {
  const createdTimeFrom = toUtcDate(query.createdTimeFrom, 'createdTimeFrom');
  const createdTimeTo = toUtcDate(query.createdTimeTo, 'createdTimeTo') ?? (createdTimeFrom === undefined ? undefined : now);
  const completedTimeFrom = toUtcDate(query.completedTimeFrom, 'completedTimeFrom');
  const completedTimeTo = toUtcDate(query.completedTimeTo, 'completedTimeTo');
  return {
    ...(createdTimeFrom === undefined ? {} : { createdTimeFrom }),
    ...(createdTimeTo === undefined ? {} : { createdTimeTo }),
    ...(completedTimeFrom === undefined ? {} : { completedTimeFrom }),
    ...(completedTimeTo === undefined ? {} : { completedTimeTo }),
    ...(query.runtimeStatus === undefined ? {} : { runtimeStatus: query.runtimeStatus as RuntimeStatus[] }),
  };
}
