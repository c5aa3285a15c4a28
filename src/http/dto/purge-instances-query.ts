import { IsDefined, IsIn, IsISO8601, IsOptional } from 'class-validator';
import type { RuntimeStatus } from '../../ports/instance-store.js';
import { QueryParameter } from '../query-parameter.js';
import { InstanceScopeQuery } from './instance-scope-query.js';
import { ISO_DATE_OPTIONS, MESSAGES, RUNTIME_STATUSES, toUtcDate } from './query-values.js';

/** `DELETE /instances` query: `createdTimeFrom` is required, as in Durable Functions. */
export class PurgeInstancesQuery extends InstanceScopeQuery {
  @QueryParameter() @IsDefined({ message: '$property is required: purging by filter needs a creation-time range' })
  @IsISO8601(ISO_DATE_OPTIONS, { message: MESSAGES.date })
  readonly createdTimeFrom!: string;

  @QueryParameter() @IsOptional() @IsISO8601(ISO_DATE_OPTIONS, { message: MESSAGES.date })
  readonly createdTimeTo?: string;

  @QueryParameter({ list: true }) @IsOptional() @IsIn(RUNTIME_STATUSES, { each: true, message: MESSAGES.runtimeStatus })
  readonly runtimeStatus?: string[];
}

/** The client's purge filter for a validated query; `createdTimeTo` defaults to now, as in Durable Functions. */
export function toPurgeFilter(query: PurgeInstancesQuery, now: Date): { createdTimeFrom: Date; createdTimeTo: Date; runtimeStatus?: RuntimeStatus[] } {
  const createdTimeFrom = toUtcDate(query.createdTimeFrom, 'createdTimeFrom') ?? now;
  return {
    createdTimeFrom,
    createdTimeTo: toUtcDate(query.createdTimeTo, 'createdTimeTo') ?? now,
    ...(query.runtimeStatus === undefined ? {} : { runtimeStatus: query.runtimeStatus as RuntimeStatus[] }),
  };
}
