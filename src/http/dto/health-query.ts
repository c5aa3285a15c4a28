import { IsOptional, Matches } from 'class-validator';
import { MAX_HEALTH_BUCKETS } from '../../ports/health-stats.js';
import { QueryParameter } from '../query-parameter.js';
import { invalid } from '../validate-request.js';
import { InstanceScopeQuery } from './instance-scope-query.js';

/** Default `minutes` of `GET /health`. */
export const DEFAULT_HEALTH_MINUTES = 15;

/** How many buckets `GET /health` cuts its window into when `bucketSeconds` is not given. */
const DEFAULT_BUCKETS = 60;

/** `GET /health` query: the window (`minutes`, 1 to 60) and its bucket size (`bucketSeconds`). */
export class HealthQuery extends InstanceScopeQuery {
  @QueryParameter() @IsOptional() @Matches(/^(?:[1-9]|[1-5]\d|60)$/, { message: '$property must be an integer from 1 to 60' })
  readonly minutes?: string;

  @QueryParameter() @IsOptional() @Matches(/^(?:[1-9]\d{0,3})$/, { message: '$property must be an integer from 1 to 3600' })
  readonly bucketSeconds?: string;
}

/** The window of a validated {@link HealthQuery}, in milliseconds. */
export interface HealthWindow {
  readonly windowMs: number;
  readonly bucketMs: number;
  /** Whole buckets in the window (1 to {@link MAX_HEALTH_BUCKETS}). */
  readonly buckets: number;
}

/**
 * The window and bucket size a validated {@link HealthQuery} asks for: `minutes` default 15, `bucketSeconds` default
 * a sixtieth of the window (at least 1 s).
 * @throws HttpApiError 400 for a bucket longer than the window, or one so short that the window would hold more than
 *   {@link MAX_HEALTH_BUCKETS} buckets.
 */
export function toHealthWindow(query: HealthQuery): HealthWindow {
  const windowMs = Number(query.minutes ?? DEFAULT_HEALTH_MINUTES) * 60_000;
  const bucketMs = query.bucketSeconds === undefined ? Math.max(1000, Math.ceil(windowMs / DEFAULT_BUCKETS / 1000) * 1000) : Number(query.bucketSeconds) * 1000;
  const fail = (message: string): never => {
    throw invalid('query', [{ location: 'query', field: 'bucketSeconds', message }]);
  };
  if (bucketMs > windowMs) fail(`bucketSeconds (${bucketMs / 1000}) must not be longer than the window (${windowMs / 1000} s)`);
  const buckets = Math.floor(windowMs / bucketMs);
  if (buckets > MAX_HEALTH_BUCKETS) fail(`the window holds at most ${MAX_HEALTH_BUCKETS} buckets: use bucketSeconds of at least ${Math.ceil(windowMs / MAX_HEALTH_BUCKETS / 1000)}`);
  return { windowMs, bucketMs, buckets };
}
