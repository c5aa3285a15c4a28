import { DurableError } from '../core/durable-error.js';
import { HttpApiError } from '../core/errors/http-api-error.js';
import type { AdminRouteGroup } from './admin-route-context.js';
import { InstancePath } from './dto/instance-path.js';
import { InstanceScopeQuery } from './dto/instance-scope-query.js';
import { sendEmpty } from './send-json.js';
import { parsePath, parseQuery } from './validate-request.js';

/**
 * `POST /instances/:instanceId/retry` (Durably's addition; operation `instances.retry`): a stuck instance — its code
 * cannot run its history, e.g. after an incompatible deploy — is retried at once instead of after its stuck backoff
 * (`client.retryNow`). `202` (empty body); `404` unknown; `409` `INSTANCE_NOT_STUCK` when it is not stuck.
 */
export const instanceRetryRoute: AdminRouteGroup = (router, context) => {
  router.post('/instances/:instanceId/retry', ...context.route('instances.retry', async (req, res) => {
    const { instanceId } = parsePath(InstancePath, req);
    parseQuery(InstanceScopeQuery, req);
    try {
      await context.client.retryNow(instanceId);
    } catch (error) {
      if (error instanceof DurableError && error.code === 'INSTANCE_NOT_STUCK') throw new HttpApiError(409, error.code, error.message, [], { cause: error });
      throw error;
    }
    sendEmpty(res, 202);
  }));
};
