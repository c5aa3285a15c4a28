import { IsISO8601, IsOptional, Matches } from 'class-validator';
import type { ListEntitiesOptions } from '../../client/durable-client.js';
import { QueryParameter } from '../query-parameter.js';
import { InstanceScopeQuery } from './instance-scope-query.js';
import { BOOLEAN_TEXT, ISO_DATE_OPTIONS, MESSAGES, toBoolean, toUtcDate } from './query-values.js';

/** `GET /entities/:entityName?` query: Durable Functions' `fetchState`, `top`, `lastOperationTimeFrom/To`. */
export class ListEntitiesQuery extends InstanceScopeQuery {
  @QueryParameter() @IsOptional() @Matches(BOOLEAN_TEXT, { message: MESSAGES.boolean })
  readonly fetchState?: string;

  @QueryParameter() @IsOptional() @Matches(/^(?:[1-9]\d{0,2}|1000)$/, { message: '$property must be an integer from 1 to 1000' })
  readonly top?: string;

  @QueryParameter() @IsOptional() @IsISO8601(ISO_DATE_OPTIONS, { message: MESSAGES.date })
  readonly lastOperationTimeFrom?: string;

  @QueryParameter() @IsOptional() @IsISO8601(ISO_DATE_OPTIONS, { message: MESSAGES.date })
  readonly lastOperationTimeTo?: string;
}

/** What a validated {@link ListEntitiesQuery} asks for: the client's options, and the time range to keep (inclusive). */
export interface EntityListRequest {
  readonly options: ListEntitiesOptions & { readonly fetchState: boolean };
  readonly lastOperationTimeFrom: Date | undefined;
  readonly lastOperationTimeTo: Date | undefined;
}

/** The client's list options for a validated query, the entity name of the path and the continuation token. */
export function toEntityListRequest(query: ListEntitiesQuery, entityName: string | undefined, continuationToken: string | undefined): EntityListRequest {
  return {
    options: {
      ...(entityName === undefined ? {} : { entityName }),
      ...(query.top === undefined ? {} : { pageSize: Number(query.top) }),
      ...(continuationToken === undefined ? {} : { continuationToken }),
      fetchState: toBoolean(query.fetchState, false),
    },
    lastOperationTimeFrom: toUtcDate(query.lastOperationTimeFrom, 'lastOperationTimeFrom'),
    lastOperationTimeTo: toUtcDate(query.lastOperationTimeTo, 'lastOperationTimeTo'),
  };
}
