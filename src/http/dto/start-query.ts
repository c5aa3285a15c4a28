import { IsIn, IsOptional, Length } from 'class-validator';
import { MAX_VERSION_LENGTH } from '../../core/orchestration-version.js';
import type { InstanceIdPolicy } from '../../client/instance-id-policy.js';
import { QueryParameter } from '../query-parameter.js';
import { WaitQuery } from './wait-query.js';

const IF_RUNNING = ['fail', 'useExisting', 'terminate'] as const;
const IF_FINISHED = ['start', 'fail'] as const;

/**
 * `POST /orchestrators/:name/:instanceId?` query: the wait parameters, and `startNew`'s instance ID policy —
 * `ifRunning` (`fail`, `useExisting`, `terminate`) and `ifFinished` (`start`, `fail`), spelled exactly so (Durably's
 * addition: Durable Functions' route has neither); and DF's `version`.
 */
export class StartQuery extends WaitQuery {
  @QueryParameter() @IsOptional() @IsIn(IF_RUNNING, { message: `$property must be one of ${IF_RUNNING.join(', ')}` })
  readonly ifRunning?: string;

  @QueryParameter() @IsOptional() @IsIn(IF_FINISHED, { message: `$property must be one of ${IF_FINISHED.join(', ')}` })
  readonly ifFinished?: string;

  /** Durable Functions' `version`: the instance's orchestration version (`startNew(O, { version })`). */
  @QueryParameter() @IsOptional() @Length(1, MAX_VERSION_LENGTH, { message: `$property must be 1 to ${MAX_VERSION_LENGTH} characters` })
  readonly version?: string;
}

/**
 * The validated policy. Without `ifRunning`, a start of an active ID is answered as Durable Functions does — the
 * existing instance's check-status payload (`useExisting`) — unless the router's `statusCodes.duplicateInstance` is
 * `409` (`fail`).
 */
export function toInstanceIdPolicy(query: StartQuery, duplicateInstance: 202 | 409): InstanceIdPolicy {
  const ifRunning = (query.ifRunning ?? (duplicateInstance === 202 ? 'useExisting' : 'fail')) as NonNullable<InstanceIdPolicy['ifRunning']>;
  return { ifRunning, ...(query.ifFinished === undefined ? {} : { ifFinished: query.ifFinished as NonNullable<InstanceIdPolicy['ifFinished']> }) };
}
