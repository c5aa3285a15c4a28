import { IsIn, IsISO8601, IsOptional, Matches } from 'class-validator';
import type { ListInstancesOptions } from '../../client/durable-client.js';
import type { RuntimeStatus } from '../../ports/instance-store.js';
import { QueryParameter } from '../query-parameter.js';
import { InstanceScopeQuery } from './instance-scope-query.js';
import { BOOLEAN_TEXT, ISO_DATE_OPTIONS, MESSAGES, NAME_TEXT, RUNTIME_STATUSES, toBoolean, toUtcDate } from './query-values.js';

/** `GET /instances` query. */
export class ListInstancesQuery extends InstanceScopeQuery {
  @QueryParameter() @IsOptional() @IsISO8601(ISO_DATE_OPTIONS, { message: MESSAGES.date })
  readonly createdTimeFrom?: string;

  @QueryParameter() @IsOptional() @IsISO8601(ISO_DATE_OPTIONS, { message: MESSAGES.date })
  readonly createdTimeTo?: string;

  @QueryParameter({ list: true }) @IsOptional() @IsIn(RUNTIME_STATUSES, { each: true, message: MESSAGES.runtimeStatus })
  readonly runtimeStatus?: string[];

  @QueryParameter() @IsOptional() @Matches(NAME_TEXT, { message: MESSAGES.name })
  readonly instanceIdPrefix?: string;

  /** Durably's addition to the DF list: only instances of this orchestrator (its registered name). */
  @QueryParameter() @IsOptional() @Matches(NAME_TEXT, { message: MESSAGES.name })
  readonly name?: string;

  @QueryParameter() @IsOptional() @Matches(/^(?:[1-9]\d{0,2}|1000)$/, { message: '$property must be an integer from 1 to 1000' })
  readonly top?: string;

  @QueryParameter() @IsOptional() @Matches(BOOLEAN_TEXT, { message: MESSAGES.boolean })
  readonly showInput?: string;
}

/** The client's list options for a validated {@link ListInstancesQuery}, and whether inputs are shown. */
export function toListOptions(query: ListInstancesQuery, continuationToken: string | undefined): { options: ListInstancesOptions; showInput: boolean } {
  const createdTimeFrom = toUtcDate(query.createdTimeFrom, 'createdTimeFrom');
  const createdTimeTo = toUtcDate(query.createdTimeTo, 'createdTimeTo');
  return {
    options: {
      ...(createdTimeFrom === undefined ? {} : { createdTimeFrom }),
      ...(createdTimeTo === undefined ? {} : { createdTimeTo }),
      ...(query.runtimeStatus === undefined ? {} : { runtimeStatus: query.runtimeStatus as RuntimeStatus[] }),
      ...(query.instanceIdPrefix === undefined ? {} : { instanceIdPrefix: query.instanceIdPrefix }),
      ...(query.name === undefined ? {} : { name: query.name }),
      ...(query.top === undefined ? {} : { pageSize: Number(query.top) }),
      ...(continuationToken === undefined ? {} : { continuationToken }),
    },
    showInput: toBoolean(query.showInput, true),
  };
}
