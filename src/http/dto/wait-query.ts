import { IsOptional, Matches } from 'class-validator';
import { QueryParameter } from '../query-parameter.js';
import { invalid } from '../validate-request.js';
import { InstanceScopeQuery } from './instance-scope-query.js';
import { MESSAGES, SECONDS_TEXT, toMilliseconds } from './query-values.js';

/**
 * The wait-for-completion parameters of start and restart (`?timeout=30&pollingInterval=1`, in seconds). As in
 * Durable Functions, the request waits only when both are given.
 */
export class WaitQuery extends InstanceScopeQuery {
  @QueryParameter() @IsOptional() @Matches(SECONDS_TEXT, { message: MESSAGES.seconds })
  readonly timeout?: string;

  @QueryParameter() @IsOptional() @Matches(SECONDS_TEXT, { message: MESSAGES.seconds })
  readonly pollingInterval?: string;
}

/**
 * How long to wait, in ms (capped at `maxWaitMs`), or undefined for no wait.
 * @throws HttpApiError 400 when the polling interval is longer than the timeout (Durable Functions' rule).
 */
export function toWaitMs(query: WaitQuery, maxWaitMs: number): number | undefined {
  const timeoutMs = toMilliseconds(query.timeout);
  const pollingMs = toMilliseconds(query.pollingInterval);
  if (timeoutMs === undefined || pollingMs === undefined) return undefined;
  if (pollingMs > timeoutMs) {
    throw invalid('query', [{ location: 'query', field: 'pollingInterval', message: `pollingInterval (${query.pollingInterval} s) must not be longer than timeout (${query.timeout} s)` }]);
  }
  return Math.min(timeoutMs, maxWaitMs);
}
