import { IsOptional, Matches } from 'class-validator';
import type { GetStatusOptions } from '../../client/durable-client.js';
import { QueryParameter } from '../query-parameter.js';
import { InstanceScopeQuery } from './instance-scope-query.js';
import { BOOLEAN_TEXT, MESSAGES, toBoolean } from './query-values.js';

/** `GET /instances/:instanceId` query. */
export class StatusQuery extends InstanceScopeQuery {
  @QueryParameter() @IsOptional() @Matches(BOOLEAN_TEXT, { message: MESSAGES.boolean })
  readonly showHistory?: string;

  @QueryParameter() @IsOptional() @Matches(BOOLEAN_TEXT, { message: MESSAGES.boolean })
  readonly showHistoryOutput?: string;

  @QueryParameter() @IsOptional() @Matches(BOOLEAN_TEXT, { message: MESSAGES.boolean })
  readonly showInput?: string;

  @QueryParameter() @IsOptional() @Matches(BOOLEAN_TEXT, { message: MESSAGES.boolean })
  readonly returnInternalServerErrorOnFailure?: string;
}

/** The client options a validated {@link StatusQuery} asks for (defaults as Durable Functions'). */
export function toStatusOptions(query: StatusQuery): Required<Pick<GetStatusOptions, 'showHistory' | 'showHistoryOutput' | 'showInput'>> & { returnInternalServerErrorOnFailure: boolean } {
  return {
    showHistory: toBoolean(query.showHistory, false),
    showHistoryOutput: toBoolean(query.showHistoryOutput, false),
    showInput: toBoolean(query.showInput, true),
    returnInternalServerErrorOnFailure: toBoolean(query.returnInternalServerErrorOnFailure, false),
  };
}
