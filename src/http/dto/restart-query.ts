import { IsOptional, Matches } from 'class-validator';
import { QueryParameter } from '../query-parameter.js';
import { BOOLEAN_TEXT, MESSAGES, toBoolean } from './query-values.js';
import { WaitQuery } from './wait-query.js';

/** `POST /instances/:instanceId/restart` query. */
export class RestartQuery extends WaitQuery {
  @QueryParameter() @IsOptional() @Matches(BOOLEAN_TEXT, { message: MESSAGES.boolean })
  readonly restartWithNewInstanceId?: string;
}

/** Durable Functions restarts under a new instance ID unless told otherwise. */
export function toRestartWithNewInstanceId(query: RestartQuery): boolean {
  return toBoolean(query.restartWithNewInstanceId, true);
}
