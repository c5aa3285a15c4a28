import type { Request } from 'express';
import { DurableError } from '../core/durable-error.js';
import { InstanceAlreadyExistsError } from '../core/errors/instance-already-exists-error.js';
import { InstanceStateConflictError } from '../core/errors/instance-state-conflict-error.js';
import { InstanceNotFoundError } from '../core/errors/instance-not-found-error.js';
import { RegistrationError } from '../core/errors/registration-error.js';
import { TERMINAL_STATUSES } from '../ports/instance-store.js';
import type { AdminOperation } from './admin-operation.js';
import type { AdminRouteContext, AdminRouteGroup } from './admin-route-context.js';
import { respondWithCheckStatus } from './check-status-response.js';
import { InstancePath } from './dto/instance-path.js';
import { InstanceScopeQuery } from './dto/instance-scope-query.js';
import { RaiseEventPath } from './dto/raise-event-path.js';
import { ReasonQuery } from './dto/reason-query.js';
import { TerminateQuery, toRecursive } from './dto/recursive-query.js';
import { RestartQuery, toRestartWithNewInstanceId } from './dto/restart-query.js';
import { toWaitMs } from './dto/wait-query.js';
import { HttpApiError } from '../core/errors/http-api-error.js';
import { sendEmpty } from './send-json.js';
import { parsePath, parseQuery } from './validate-request.js';

type RuntimeAction = (instanceId: string, reason: string | undefined) => Promise<void>;

/**
 * `POST /instances/:instanceId/raiseEvent/:eventName` and `/terminate`, `/suspend`, `/resume`: `202` (empty body),
 * `404` unknown, `410` finished (a redundant suspend or resume is a `202` too, as in DF). `/terminate?recursive=false` leaves the sub-orchestrations running (default `true`). `/restart`: `202` with the check-status payload of the restarted instance (a new ID
 * unless `restartWithNewInstanceId=false`). `/rewind`: `202` once the rewind is queued, `404`, `412` unless Failed (with DF's text as the body).
 */
export const instanceControlRoutes: AdminRouteGroup = (router, context) => {
  const { client } = context;

  router.post('/instances/:instanceId/raiseEvent/:eventName', ...context.route('instances.raiseEvent', async (req, res) => {
    const { instanceId, eventName } = parsePath(RaiseEventPath, req);
    parseQuery(InstanceScopeQuery, req);
    await requireActive(context, instanceId);
    const data = await context.body.read(req, res, { contentType: 'required' });
    await client.raiseEvent(instanceId, eventName, data);
    sendEmpty(res, 202);
  }));

  const control = (operation: AdminOperation, action: RuntimeAction) => context.route(operation, async (req: Request, res) => {
    const { instanceId } = parsePath(InstancePath, req);
    const { reason } = parseQuery(ReasonQuery, req);
    await requireActive(context, instanceId);
    try {
      await action(instanceId, reason);
    } catch (error) {
      // Suspending a suspended instance (resuming a running one) changes nothing: Durable Functions accepts it (202).
      if (!(error instanceof InstanceStateConflictError)) throw error;
    }
    sendEmpty(res, 202);
  });
  router.post('/instances/:instanceId/terminate', ...context.route('instances.terminate', async (req, res) => {
    const { instanceId } = parsePath(InstancePath, req);
    const query = parseQuery(TerminateQuery, req);
    await requireActive(context, instanceId);
    await client.terminate(instanceId, query.reason, { recursive: toRecursive(query) });
    sendEmpty(res, 202);
  }));
  router.post('/instances/:instanceId/suspend', ...control('instances.suspend', (id, reason) => client.suspend(id, reason)));
  router.post('/instances/:instanceId/resume', ...control('instances.resume', (id, reason) => client.resume(id, reason)));

  router.post('/instances/:instanceId/restart', ...context.route('instances.restart', async (req, res) => {
    const { instanceId } = parsePath(InstancePath, req);
    const query = parseQuery(RestartQuery, req);
    const waitMs = toWaitMs(query, context.settings.maxWaitMs);
    let restartedId: string;
    try {
      restartedId = await client.restart(instanceId, { restartWithNewInstanceId: toRestartWithNewInstanceId(query) });
    } catch (error) {
      if (error instanceof InstanceNotFoundError && context.settings.statusCodes.restartUnknownInstance === 400) {
        throw new HttpApiError(400, error.code, `${error.message} (Only an existing instance can be restarted.)`, [{ location: 'path', field: 'instanceId', message: 'no such instance' }]);
      }
      if (error instanceof RegistrationError) {
        // The instance's orchestrator is no longer registered (renamed or removed by a deploy).
        throw new HttpApiError(400, 'UNKNOWN_ORCHESTRATOR', error.message, [], { cause: error });
      }
      if (!(error instanceof InstanceAlreadyExistsError) || context.settings.statusCodes.duplicateInstance !== 202) throw error;
      restartedId = error.instanceId;
    }
    await respondWithCheckStatus(context, req, res, 'instances.restart', restartedId, waitMs);
  }));

  router.post('/instances/:instanceId/rewind', ...context.route('instances.rewind', async (req, res) => {
    const { instanceId } = parsePath(InstancePath, req);
    const { reason } = parseQuery(ReasonQuery, req);
    try {
      await client.rewind(instanceId, reason);
    } catch (error) {
      throw await rewindRefusal(context, instanceId, error);
    }
    sendEmpty(res, 202);
  }));
};

/**
 * A refused rewind as Durable Functions answers it: `404` unknown, `412` unless Failed, each with DF's text as the
 * body (a JSON string: DF's JavaScript client throws `new Error(body)`, which an object would make `[object Object]`).
 */
async function rewindRefusal(context: AdminRouteContext, instanceId: string, error: unknown): Promise<unknown> {
  if (error instanceof InstanceNotFoundError) {
    return new HttpApiError(404, error.code, `No orchestration with instance ID "${instanceId}" found.`, [], { cause: error, messageBody: true });
  }
  if (!(error instanceof DurableError) || error.code !== 'INSTANCE_NOT_FAILED') return error;
  const status = await context.client.getStatus(instanceId, { showInput: false });
  const runtimeStatus = status?.runtimeStatus ?? 'unknown';
  const message = `This orchestration has status ${runtimeStatus}, but only orchestrations in the "Failed" state can be rewound.`;
  return new HttpApiError(412, error.code, message, [], { cause: error, messageBody: true });
}

/**
 * @throws InstanceNotFoundError (404) when there is no such instance, HttpApiError 410 when it has finished: Durable
 *   Functions answers both before reading anything else of the request.
 */
async function requireActive(context: AdminRouteContext, instanceId: string): Promise<void> {
  const status = await context.client.getStatus(instanceId, { showInput: false });
  if (status === undefined) throw new InstanceNotFoundError(instanceId);
  if (TERMINAL_STATUSES.has(status.runtimeStatus)) {
    throw new HttpApiError(410, 'INSTANCE_NOT_RUNNING', `Instance '${instanceId}' is ${status.runtimeStatus}: it no longer accepts this operation.`);
  }
}
