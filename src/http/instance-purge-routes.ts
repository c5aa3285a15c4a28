import { InstanceNotFoundError } from '../core/errors/instance-not-found-error.js';
import { TERMINAL_STATUSES } from '../ports/instance-store.js';
import type { AdminRouteGroup } from './admin-route-context.js';
import { InstancePath } from './dto/instance-path.js';
import { PurgeInstanceQuery, toRecursive } from './dto/recursive-query.js';
import { PurgeInstancesQuery, toPurgeFilter } from './dto/purge-instances-query.js';
import { HttpApiError } from '../core/errors/http-api-error.js';
import { sendJson } from './send-json.js';
import { parsePath, parseQuery } from './validate-request.js';

/**
 * `DELETE /instances/:instanceId` — purges one finished instance, with its finished sub-orchestrations unless
 * `recursive=false`: `200 { instancesDeleted }` (descendants counted), `404` unknown, `412` while it is not finished. `DELETE /instances?createdTimeFrom=…` — purges by filter: `200 { instancesDeleted }`,
 * `404` when nothing matched, `400` without `createdTimeFrom` (unless `completedTimeFrom` / `completedTimeTo` bound
 * the purge by completion time instead: `DELETE /instances?completedTimeTo=…` purges what finished before then).
 */
export const instancePurgeRoutes: AdminRouteGroup = (router, context) => {
  const { client } = context;

  router.delete('/instances/:instanceId', ...context.route('instances.purge', async (req, res) => {
    const { instanceId } = parsePath(InstancePath, req);
    const query = parseQuery(PurgeInstanceQuery, req);
    const status = await client.getStatus(instanceId, { showInput: false });
    if (status === undefined) throw new InstanceNotFoundError(instanceId);
    if (!TERMINAL_STATUSES.has(status.runtimeStatus)) {
      throw new HttpApiError(412, 'INSTANCE_NOT_TERMINAL', `Instance '${instanceId}' is ${status.runtimeStatus}: only finished instances can be purged (terminate it first).`);
    }
    const result = await client.purgeInstanceHistory(instanceId, { recursive: toRecursive(query) });
    if (result.instancesDeleted === 0) throw new InstanceNotFoundError(instanceId);
    sendJson(res, 200, result);
  }));

  router.delete('/instances', ...context.route('instances.purge', async (req, res) => {
    const filter = toPurgeFilter(parseQuery(PurgeInstancesQuery, req), new Date());
    const result = await client.purgeInstances(filter);
    if (result.instancesDeleted === 0) throw new HttpApiError(404, 'NO_INSTANCES_PURGED', 'No instance matched the filter; nothing was purged.');
    sendJson(res, 200, result);
  }));
};
